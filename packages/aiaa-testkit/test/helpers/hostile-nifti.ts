import { gzipSync } from 'node:zlib';
import { writeNifti } from '@medaas/nifti-io';

/**
 * An uncompressed NIfTI-1 header (348 bytes + 4 of extension flag) of a uint8 volume of `dims`, written by
 * nifti-io for a one-voxel volume and then given other dims: what a hostile client would send.
 */
export async function niftiHeader(
  dims: readonly [number, number, number],
  patch: { readonly voxOffset?: number; readonly datatype?: 'uint8' | 'float32' } = {},
): Promise<Buffer> {
  const float = patch.datatype === 'float32';
  const one = Buffer.from(
    await writeNifti(
      {
        dims: [1, 1, 1],
        datatype: float ? 'float32' : 'uint8',
        data: float ? new Float32Array(1) : new Uint8Array(1),
        affine: [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
      },
      { gzip: false },
    ),
  );
  const header = Buffer.from(one.subarray(0, 352));
  dims.forEach((n, i) => header.writeInt16LE(n, 42 + 2 * i));
  if (patch.voxOffset !== undefined) header.writeFloatLE(patch.voxOffset, 108);
  return header;
}

/**
 * A gzip bomb: the header of a uint8 volume of `dims` followed by its voxels, all zeros, as many gzip members
 * of 1 MiB of zeros (about 1 KiB each): 1 GiB of voxels in about 1 MiB.
 */
export async function gzipBomb(dims: readonly [number, number, number]): Promise<Buffer> {
  const header = await niftiHeader(dims);
  const total = dims[0] * dims[1] * dims[2];
  const mib = 1 << 20;
  const member = gzipSync(Buffer.alloc(mib), { level: 9 });
  const members: Buffer[] = [gzipSync(header)];
  for (let left = total; left > 0; left -= mib) members.push(left >= mib ? member : gzipSync(Buffer.alloc(left), { level: 9 }));
  return Buffer.concat(members);
}

/** A gzip'd NIfTI whose header says the voxels start at `voxOffset`, followed by `inflatedBytes` of zeros. */
export async function gzipWithVoxOffset(voxOffset: number, inflatedBytes: number): Promise<Buffer> {
  const header = await niftiHeader([64, 64, 64], { voxOffset });
  const mib = 1 << 20;
  const member = gzipSync(Buffer.alloc(mib), { level: 9 });
  const members: Buffer[] = [gzipSync(header)];
  for (let left = inflatedBytes; left > 0; left -= mib) members.push(member);
  return Buffer.concat(members);
}

/** An uncompressed NIfTI-1 uint8 volume of `dims`, all zeros (the header as {@link niftiHeader}). */
export async function plainNifti(dims: readonly [number, number, number]): Promise<Buffer> {
  const header = await niftiHeader(dims);
  const out = Buffer.alloc(header.length + dims[0] * dims[1] * dims[2]);
  header.copy(out);
  return out;
}
