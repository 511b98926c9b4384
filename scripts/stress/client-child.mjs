// Runs the client fault injection in a process of its own, so that its peak memory is the client's.
import { runClientFaults } from './client-faults.mjs';
import { phantomNifti } from './nifti-inputs.mjs';

const tally = await runClientFaults({ image: (await phantomNifti()).gz });
process.send?.(JSON.parse(JSON.stringify(tally)));
