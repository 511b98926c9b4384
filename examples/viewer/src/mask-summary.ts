import { voxelToWorld, type Mat4, type Vec3, type VoxelData } from '@medaas/nifti-io';

/** How much of a mask is set, and where: what the viewer shows the user after each click. */
export interface MaskSummary {
  /** Voxels with a non-zero label. */
  readonly voxels: number;
  /** The mean voxel index of those voxels (fractional), or `undefined` for an empty mask. */
  readonly centroidIndex: Vec3 | undefined;
  /** The same centroid in world millimetres (RAS+), or `undefined` for an empty mask. */
  readonly centroidMm: Vec3 | undefined;
}

/**
 * Counts a mask's set voxels and finds their centroid, in voxel indices and in millimetres.
 *
 * @example
 * ```ts
 * const { voxels, centroidIndex } = summarizeMask(await readNifti(result.mask));
 * ```
 */
export function summarizeMask(mask: { readonly dims: readonly number[]; readonly data: VoxelData; readonly affine: Mat4 }): MaskSummary {
  const [nx = 1, ny = 1] = mask.dims;
  const plane = nx * ny;
  let voxels = 0;
  let si = 0;
  let sj = 0;
  let sk = 0;
  const { data } = mask;
  for (let n = 0; n < data.length; n += 1) {
    if (!data[n]) continue;
    voxels += 1;
    si += n % nx;
    sj += Math.floor(n / nx) % ny;
    sk += Math.floor(n / plane);
  }
  if (voxels === 0) return { voxels, centroidIndex: undefined, centroidMm: undefined };
  const centroidIndex: Vec3 = [si / voxels, sj / voxels, sk / voxels];
  return { voxels, centroidIndex, centroidMm: voxelToWorld(mask.affine, centroidIndex) };
}
