// One benchmark measurement in a fresh process, so peak memory belongs to that measurement alone.
// Usage: node --expose-gc child.mjs CASE FILE REPEATS [OUT]
// Prints JSON: { ms: number[], peakBytes, baselineBytes, decodedBytes }.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { readNifti } from '@medaas/nifti-io';
import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';

const niftiReader = await import('nifti-reader-js');
const [caseName, file, repeatsText, out] = process.argv.slice(2);
const repeats = Number(repeatsText);

const cases = {
  // The limit the issue sets: a bare zlib gunzip of the same file, no NIfTI parsing at all.
  'zlib-gunzip': () => gunzipSync(readFileSync(file)).byteLength,
  'medaas-readNiftiFile': async () => (await readNiftiFile(file)).data.byteLength,
  'medaas-readNifti-bytes': async () => (await readNifti(readFileSync(file))).data.byteLength,
  'nifti-reader-js': () => {
    const nifti = niftiReader;
    const bytes = readFileSync(file);
    let buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer);
    const header = nifti.readHeader(buffer);
    return nifti.readImage(header, buffer).byteLength;
  },
  'medaas-writeNiftiFile': async (volume) => {
    await writeNiftiFile(out, volume);
    return volume.data.byteLength;
  },
};

const run = cases[caseName];
if (!run) throw new Error(`unknown case ${caseName}`);
// Writers get their input volume before the baseline is taken: only the write's own memory counts.
const input = caseName.includes('write') ? await readNiftiFile(file) : undefined;
globalThis.gc?.();
const baselineBytes = process.memoryUsage().rss;
const ms = [];
let decodedBytes = 0;
for (let i = 0; i < repeats; i += 1) {
  const start = performance.now();
  decodedBytes = await run(input);
  ms.push(performance.now() - start);
  globalThis.gc?.();
}
const peakBytes = process.resourceUsage().maxRSS * 1024;
writeFileSync(1, JSON.stringify({ ms, peakBytes, baselineBytes, decodedBytes }) + '\n');
