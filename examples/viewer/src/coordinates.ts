import { determinant3, invertAffine, type Mat4, type Vec3 } from '@medaas/nifti-io';
import { ViewerError } from './errors.js';

/** A voxel index `[i, j, k]` of a volume in the SDK's convention: NIfTI index order, `i` varies fastest. */
export type VoxelIndex = readonly [number, number, number];

/** The part of a volume the conversion needs: its grid size and its voxel-to-world affine (RAS+, mm). */
export interface VoxelGrid {
  /** Voxels along i, j, k (further dimensions are ignored). */
  readonly dims: readonly number[];
  /** Maps `[i, j, k, 1]` to RAS+ millimetres, as `Volume.affine` of `@medaas/nifti-io`. */
  readonly affine: Mat4;
}

/**
 * Converts a world position (RAS+ millimetres, the frame of the volume's own affine) to the index of the
 * voxel that contains it, or `undefined` when the position lies outside the grid or is not finite.
 *
 * The position is mapped through the inverse affine, so oblique, anisotropic, flipped and permuted grids
 * give the voxel of the file as stored, not of a display's reoriented copy. A voxel `n` covers
 * `[n - 0.5, n + 0.5)` along each axis: its centre maps to `n` exactly.
 *
 * @throws {ViewerError} `VIEWER_INVALID_GRID` when `dims` are not positive whole numbers or the affine is
 * singular or not finite.
 * @example
 * ```ts
 * const volume = await readNifti(bytes);
 * const ijk = worldToVoxelIndex(volume, [12.5, -30, 4]); // e.g. [40, 22, 17], or undefined outside
 * ```
 */
export function worldToVoxelIndex(grid: VoxelGrid, worldMm: Vec3): VoxelIndex | undefined {
  const dims = checkGrid(grid);
  if (!worldMm.every(Number.isFinite)) return undefined;
  const inverse = invertAffine(grid.affine);
  const index: number[] = [];
  for (let axis = 0; axis < 3; axis += 1) {
    const row = inverse[axis]!;
    const continuous = row[0] * worldMm[0] + row[1] * worldMm[1] + row[2] * worldMm[2] + row[3];
    // `+ 0` turns Math.round's -0 (for -0.5 < x < 0) into 0, so indices print and compare as plain zeros.
    const n = Math.round(continuous) + 0;
    if (!(n >= 0 && n < dims[axis]!)) return undefined;
    index.push(n);
  }
  return [index[0]!, index[1]!, index[2]!];
}

/**
 * Reads the world position out of a NiiVue `onLocationChange` payload and converts it to the volume's
 * voxel index, or `undefined` when the payload has no usable `mm` or the point is outside the volume.
 *
 * NiiVue's payload also carries `vox`, but that indexes NiiVue's internal copy of the volume, reoriented
 * to RAS: for any file not stored in RAS order it names a different voxel than the file's own. Only the
 * millimetre position is the same in both, so that is what is converted.
 *
 * @throws {ViewerError} `VIEWER_INVALID_GRID` as {@link worldToVoxelIndex}.
 * @example
 * ```ts
 * nv.onLocationChange = (location) => { lastClick = voxelIndexOfLocation(location, volume); };
 * ```
 */
export function voxelIndexOfLocation(location: unknown, grid: VoxelGrid): VoxelIndex | undefined {
  const worldMm = worldMmOfLocation(location);
  return worldMm ? worldToVoxelIndex(grid, worldMm) : worldMm;
}

/**
 * The `mm` field of a NiiVue location payload as a finite RAS+ point, or `undefined` when it is missing
 * or malformed (the payload comes from a third-party callback and is checked, not trusted).
 *
 * @example
 * ```ts
 * const worldMm = worldMmOfLocation({ mm: new Float32Array([1, 2, 3, 1]) }); // [1, 2, 3]
 * ```
 */
export function worldMmOfLocation(location: unknown): Vec3 | undefined {
  if (typeof location !== 'object' || location === null) return undefined;
  const mm: unknown = (location as { mm?: unknown }).mm;
  if (!(Array.isArray(mm) || ArrayBuffer.isView(mm))) return undefined;
  const list = mm as ArrayLike<unknown>;
  if (list.length < 3) return undefined;
  const [x, y, z] = [list[0], list[1], list[2]];
  if (typeof x !== 'number' || typeof y !== 'number' || typeof z !== 'number') return undefined;
  return Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z) ? [x, y, z] : undefined;
}

function checkGrid(grid: VoxelGrid): readonly [number, number, number] {
  const dims = grid.dims.slice(0, 3);
  if (dims.length !== 3 || !dims.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new ViewerError('VIEWER_INVALID_GRID', `a volume needs three positive whole dimensions, got ${JSON.stringify(grid.dims)}`, {
      details: { dims: grid.dims },
    });
  }
  const linear = grid.affine.slice(0, 3).flatMap((row) => row.slice(0, 4));
  const det = determinant3(grid.affine);
  if (!linear.every(Number.isFinite) || !Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new ViewerError('VIEWER_INVALID_GRID', `the affine cannot be inverted (determinant ${det})`, {
      details: { determinant: det },
    });
  }
  return [dims[0]!, dims[1]!, dims[2]!];
}
