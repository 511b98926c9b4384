import { gzipSync } from 'node:zlib';
import { writeNifti } from '@medaas/nifti-io';

const IDENTITY = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
] as const;

/** A valid single-file NIfTI-1 of a 2x2x2 uint8 volume (values 1..8) whose data starts at `voxOffset`. */
export async function farVoxOffset(voxOffset: number): Promise<Uint8Array> {
  const plain = await writeNifti({
    dims: [2, 2, 2],
    datatype: 'uint8',
    data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    affine: IDENTITY as never,
  });
  const out = new Uint8Array(voxOffset + 8);
  out.set(plain.subarray(0, 348));
  // vox_offset is a float32 in NIfTI-1: the offsets used here are exact in it.
  new DataView(out.buffer).setFloat32(108, voxOffset, true);
  out.set(plain.subarray(plain.length - 8), voxOffset);
  return out;
}

/** The header of a uint8 volume of `dims` (352 bytes: the header and an empty extension flag). */
export async function headerOf(dims: readonly number[]): Promise<Uint8Array> {
  const plain = await writeNifti({ dims: [1, 1, 1], datatype: 'uint8', data: new Uint8Array(1), affine: IDENTITY as never });
  const header = plain.slice(0, 352);
  const view = new DataView(header.buffer);
  view.setInt16(40, dims.length, true);
  dims.forEach((n, i) => view.setInt16(42 + 2 * i, n, true));
  return header;
}

/**
 * A gzip bomb that is a valid `.nii.gz`: a header announcing `dims` (uint8), then `zeroBytes` of zeros as
 * many gzip members of 16 MiB each (gzip files may hold several members; each inflates about 1000:1).
 */
export async function zeroMembers(dims: readonly number[], zeroBytes: number): Promise<Uint8Array> {
  const member = gzipSync(new Uint8Array(16 << 20), { level: 9 });
  const parts: Uint8Array[] = [gzipSync(await headerOf(dims))];
  let left = zeroBytes;
  for (; left >= 16 << 20; left -= 16 << 20) parts.push(member);
  if (left > 0) parts.push(gzipSync(new Uint8Array(left), { level: 9 }));
  return Buffer.concat(parts);
}
