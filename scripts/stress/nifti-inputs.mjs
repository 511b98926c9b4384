// NIfTI inputs of the stress suite: a real small volume (the testkit's phantom written by nifti-io), and
// hostile variants built by patching its header: huge declared sizes, a far vox_offset, a gzip bomb.
import { gzipSync, createGzip } from 'node:zlib';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { writeNifti } from '@medaas/nifti-io';

/** A 64 x 60 x 40 int16 phantom as .nii (raw) and .nii.gz. */
export async function phantomNifti() {
  const { volume } = spherePhantom();
  return { raw: Buffer.from(await writeNifti(volume, { gzip: false })), gz: Buffer.from(await writeNifti(volume, { gzip: true })) };
}

/** The raw file with header fields changed: `dims` (up to 7), `datatype`/`bitpix`, `voxOffset`. */
export function patchHeader(raw, { dims, datatype, bitpix, voxOffset } = {}) {
  const copy = Buffer.from(raw);
  if (dims) {
    copy.writeInt16LE(dims.length, 40);
    dims.forEach((d, i) => copy.writeInt16LE(d, 42 + 2 * i));
  }
  if (datatype !== undefined) copy.writeInt16LE(datatype, 70);
  if (bitpix !== undefined) copy.writeInt16LE(bitpix, 72);
  if (voxOffset !== undefined) copy.writeFloatLE(voxOffset, 108);
  return copy;
}

/**
 * A gzip bomb: a valid header declaring `dims` of uint8 and that many zero bytes, compressed. A 1 GiB volume
 * of zeros is about 1 MiB of gzip.
 */
export async function gzipBomb(raw, dims) {
  const header = patchHeader(raw.subarray(0, 352), { dims, datatype: 2, bitpix: 8, voxOffset: 352 });
  const total = dims.reduce((a, b) => a * b, 1);
  const gzip = createGzip({ level: 9 });
  const chunks = [];
  gzip.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(header);
  const zeros = Buffer.alloc(16 << 20);
  for (let left = total; left > 0; left -= zeros.length) {
    if (!gzip.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

/** A .nii.gz whose vox_offset lies far past its header (its data never comes). */
export function farOffset(raw, offset) {
  return gzipSync(patchHeader(raw, { voxOffset: offset }));
}
