// Part of `npm run bench`: feeds the same 2000 mutated and truncated files (seeded) to @medaas/nifti-io
// and to nifti-reader-js and counts the outcomes. It is the measurement behind docs/adr/0001.
import { gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { NiftiError, readNifti, writeNifti } from '@medaas/nifti-io';

const base = await writeNifti({
  dims: [6, 5, 4],
  datatype: 'int16',
  data: new Int16Array(120).map((_, i) => i),
  affine: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
});
let state = 12345;
const rand = (n) => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state % n;
};
const N = 2000;
const theirs = { rejectedOrRead: 0, untypedException: 0, silentlyWrongSize: 0 };
const ours = { typedError: 0, untypedException: 0, read: 0, silentlyWrongSize: 0 };
for (let t = 0; t < N; t += 1) {
  const bytes = new Uint8Array(base);
  for (let e = 0, edits = 1 + rand(6); e < edits; e += 1) bytes[rand(352)] = rand(256);
  let input = bytes.subarray(0, rand(3) === 0 ? rand(bytes.length) : bytes.length);
  if (rand(2)) input = new Uint8Array(gzipSync(input));
  try {
    let buffer = input.slice().buffer;
    if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer);
    if (!nifti.isNIFTI(buffer)) theirs.rejectedOrRead += 1;
    else {
      const header = nifti.readHeader(buffer);
      const image = nifti.readImage(header, buffer);
      const announced = header.dims.slice(1, header.dims[0] + 1).reduce((a, c) => a * c, 1) * (header.numBitsPerVoxel / 8);
      if (image.byteLength !== announced) theirs.silentlyWrongSize += 1;
      else theirs.rejectedOrRead += 1;
    }
  } catch {
    theirs.untypedException += 1;
  }
  try {
    const volume = await readNifti(input);
    const announced = volume.dims.reduce((a, c) => a * c, 1);
    if (volume.data.length % announced !== 0) ours.silentlyWrongSize += 1;
    else ours.read += 1;
  } catch (error) {
    if (error instanceof NiftiError) ours.typedError += 1;
    else ours.untypedException += 1;
  }
}
console.log(`\nHOSTILE INPUT: ${N} mutated/truncated files (seeded), same inputs to both readers`);
console.log(
  `  medaas:          ${ours.typedError} typed NiftiError, ${ours.read} read consistently, ${ours.untypedException} untyped exceptions, ${ours.silentlyWrongSize} silently wrong sizes`,
);
console.log(
  `  nifti-reader-js: ${theirs.rejectedOrRead} rejected (isNIFTI false) or read consistently, ${theirs.untypedException} untyped exceptions, ${theirs.silentlyWrongSize} silently wrong sizes (image shorter or longer than its header says)`,
);
