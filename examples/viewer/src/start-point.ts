import type { VoxelData } from '@medaas/nifti-io';
import type { VoxelIndex } from './coordinates.js';

const BINS = 256;

/**
 * Where the first view should cut: the centroid of the voxels brighter than Otsu's threshold (the
 * structures against their background), so that the three planes shown at start go through them rather than
 * through the middle of the field of view, which may hold nothing. Falls back to the middle for an image
 * without contrast.
 *
 * @example
 * ```ts
 * const [i, j, k] = startVoxelOf(volume); // e.g. the middle of the head in a brain MR
 * ```
 */
export function startVoxelOf(volume: {
  readonly dims: readonly number[];
  readonly data: VoxelData;
  readonly scaling?: { readonly slope: number; readonly inter: number };
}): VoxelIndex {
  const [nx = 1, ny = 1, nz = 1] = volume.dims;
  const middle: VoxelIndex = [Math.floor(nx / 2), Math.floor(ny / 2), Math.floor(nz / 2)];
  const count = nx * ny * nz;
  const value = (n: number): number => Number(volume.data[n]);
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < count; n += 1) {
    const v = value(n);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return middle;
  const histogram = new Float64Array(BINS);
  const bin = (v: number): number => Math.min(BINS - 1, Math.floor(((v - min) / (max - min)) * BINS));
  for (let n = 0; n < count; n += 1) histogram[bin(value(n))]! += 1;
  // Otsu's threshold: the bin boundary that maximises the between-class variance.
  let total = 0;
  for (let b = 0; b < BINS; b += 1) total += b * histogram[b]!;
  let weightLow = 0;
  let sumLow = 0;
  let best = 0;
  let threshold = 0;
  for (let b = 0; b < BINS; b += 1) {
    weightLow += histogram[b]!;
    const weightHigh = count - weightLow;
    if (weightLow === 0 || weightHigh === 0) continue;
    sumLow += b * histogram[b]!;
    const between = weightLow * weightHigh * (sumLow / weightLow - (total - sumLow) / weightHigh) ** 2;
    if (between > best) {
      best = between;
      threshold = b;
    }
  }
  let si = 0;
  let sj = 0;
  let sk = 0;
  let n = 0;
  for (let index = 0; index < count; index += 1) {
    if (bin(value(index)) <= threshold) continue;
    si += index % nx;
    sj += Math.floor(index / nx) % ny;
    sk += Math.floor(index / (nx * ny));
    n += 1;
  }
  return n === 0 ? middle : [Math.round(si / n), Math.round(sj / n), Math.round(sk / n)];
}
