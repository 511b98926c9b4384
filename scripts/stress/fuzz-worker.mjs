// The mutation fuzzer's worker: reads mutated NIfTI and DICOM inputs with nifti-io and reports, per input,
// whether it read, failed with a typed error, or failed untyped. A watchdog in the parent counts an input
// that takes too long as a hang and restarts the worker after it.
import { parentPort, workerData } from 'node:worker_threads';
import { isMedaasError } from '@medaas/core';
import { readNifti } from '@medaas/nifti-io';
import { convertDicomSeries } from '@medaas/dicom';

const { seeds, start, count, seed } = workerData;
let state = seed >>> 0;
const random = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};

/** One mutation: flipped bytes (often in the header), a 32-bit field set to an extreme, a cut, or growth. */
function mutate(bytes, headerBytes) {
  const copy = Buffer.from(bytes);
  const kind = Math.floor(random() * 5);
  if (kind === 0) {
    for (let i = 0, n = 1 + Math.floor(random() * 8); i < n; i += 1)
      copy[Math.floor(random() * Math.min(copy.length, headerBytes))] = Math.floor(random() * 256);
  } else if (kind === 1 && copy.length > 8) {
    const at = Math.floor(random() * (Math.min(copy.length, headerBytes) - 4));
    copy.writeUInt32LE([0, 0xffffffff, 0x7fffffff, 0x80000000, 1 << 30][Math.floor(random() * 5)], at);
  } else if (kind === 2) {
    return copy.subarray(0, Math.floor(random() * copy.length));
  } else if (kind === 3) {
    return Buffer.concat([copy, Buffer.alloc(Math.floor(random() * 4096), Math.floor(random() * 256))]);
  } else {
    for (let i = 0, n = 1 + Math.floor(random() * 32); i < n; i += 1)
      copy[Math.floor(random() * copy.length)] ^= 1 << Math.floor(random() * 8);
  }
  return copy;
}

for (let i = 0; i < start; i += 1) random();
for (let index = start; index < start + count; index += 1) {
  const input = seeds[index % seeds.length];
  const bytes = mutate(Buffer.from(input.bytes), input.headerBytes);
  parentPort.postMessage({ type: 'begin', index, name: input.name });
  let outcome = 'typed';
  let message = '';
  try {
    if (input.kind === 'dicom') await convertDicomSeries([{ name: input.name, bytes: new Uint8Array(bytes) }]);
    else await readNifti(new Uint8Array(bytes));
    outcome = 'read';
  } catch (error) {
    if (!isMedaasError(error)) {
      outcome = 'untyped';
      message = `${error?.name}: ${String(error?.message).slice(0, 200)}`;
    }
  }
  parentPort.postMessage({ type: 'end', index, outcome, message, name: input.name });
}
parentPort.postMessage({ type: 'done' });
