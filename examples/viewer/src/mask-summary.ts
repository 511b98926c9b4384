import { determinant3, voxelToWorld, type Mat4, type Vec3, type VoxelData } from '@medaas/nifti-io';

/** How much of a mask is set, and where: what the viewer shows the user after each click. */
export interface MaskSummary {
  /** Voxels with a non-zero label. */
  readonly voxels: number;
  /** Their volume in millilitres (voxels times the voxel's volume, from the affine). */
  readonly volumeMl: number;
  /** The mean voxel index of those voxels (fractional), or `undefined` for an empty mask. */
  readonly centroidIndex: Vec3 | undefined;
  /** The same centroid in world millimetres (RAS+), or `undefined` for an empty mask. */
  readonly centroidMm: Vec3 | undefined;
}

/**
 * Counts a mask's set voxels, their volume in millilitres, and finds their centroid, in voxel indices and in
 * millimetres.
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
  // A voxel's volume is the absolute determinant of the affine's 3x3 part, in cubic millimetres.
  const voxelMm3 = Math.abs(determinant3(mask.affine));
  const volumeMl = (voxels * voxelMm3) / 1000;
  if (voxels === 0) return { voxels, volumeMl, centroidIndex: undefined, centroidMm: undefined };
  const centroidIndex: Vec3 = [si / voxels, sj / voxels, sk / voxels];
  return { voxels, volumeMl, centroidIndex, centroidMm: voxelToWorld(mask.affine, centroidIndex) };
}
