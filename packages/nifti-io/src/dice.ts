import { throwIfAborted } from '@medaas/core';
import { voxelToWorld, type Mat4, type Vec3 } from './affine.js';
import { NiftiError } from './errors.js';
import { readNifti, type NiftiSource, type ReadNiftiOptions } from './read.js';

/** Options of {@link labelDice} and {@link maskDice}. */
export interface DiceOptions {
  /**
   * The label whose overlap is measured: voxels equal to it count on both sides. Default: the foreground,
   * every voxel above 0 (a binary mask, or all structures of a label map together).
   */
  readonly label?: number;
}

/** Options of {@link maskDice}: the label, and how the two files are read. */
export interface MaskDiceOptions extends DiceOptions, Pick<ReadNiftiOptions, 'signal' | 'maxBytes' | 'maxGzipRatio'> {}

/** Voxel values as a NIfTI reader returns them (64-bit integer masks as `bigint`s), or any list of numbers. */
export type LabelValues = ArrayLike<number> | ArrayLike<bigint>;

// Voxel centres of two grids may differ by float32 rounding of the sform; anything more than 1% of a voxel
// is another grid, whose Dice voxel by voxel would mean nothing.
const GRID_TOLERANCE_OF_VOXEL = 0.01;

function selector(label: number | undefined): (value: number | bigint | undefined) => boolean {
  if (label === undefined) return (value) => value !== undefined && value > 0;
  if (!Number.isFinite(label)) {
    throw new NiftiError('NIFTI_INVALID_ARGUMENT', `dice: label must be a finite number, got ${String(label)}`, {
      details: { option: 'label', value: String(label) },
    });
  }
  // A bigint voxel can only equal an integer label.
  const big = Number.isInteger(label) ? BigInt(label) : undefined;
  return (value) => (typeof value === 'bigint' ? value === big : value === label);
}

/**
 * The Dice overlap of two label arrays of the same grid, voxel by voxel: `2|A∩B| / (|A| + |B|)`, where A
 * and B are the voxels of `a` and `b` equal to `options.label` (default: every voxel above 0). 1 when the
 * label is in neither, since two empty masks agree.
 *
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` when the arrays differ in length or the label is not a finite number.
 * @example
 * ```ts
 * labelDice(predicted.data, truth, { label: 1 }); // 0.93
 * ```
 */
export function labelDice(a: LabelValues, b: LabelValues, options: DiceOptions = {}): number {
  if (a.length !== b.length) {
    throw new NiftiError('NIFTI_INVALID_ARGUMENT', `dice: the label arrays differ in length (${a.length} vs ${b.length} voxels)`, {
      details: { lengths: [a.length, b.length] },
    });
  }
  const inside = selector(options.label);
  let both = 0;
  let inA = 0;
  let inB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = inside(a[i]);
    const y = inside(b[i]);
    if (x) inA += 1;
    if (y) inB += 1;
    if (x && y) both += 1;
  }
  return inA + inB === 0 ? 1 : (2 * both) / (inA + inB);
}

/** The corners of a grid's voxel index box: by linearity, two affines agree on every voxel when they agree there. */
function corners(dims: readonly number[]): Vec3[] {
  const nx = dims[0] ?? 1;
  const ny = dims[1] ?? 1;
  const nz = dims[2] ?? 1;
  const out: Vec3[] = [];
  for (const i of [0, nx - 1]) for (const j of [0, ny - 1]) for (const k of [0, nz - 1]) out.push([i, j, k]);
  return out;
}

function smallestSpacingMm(affine: Mat4): number {
  const [x, y, z] = affine;
  return Math.min(Math.hypot(x[0], y[0], z[0]), Math.hypot(x[1], y[1], z[1]), Math.hypot(x[2], y[2], z[2]));
}

/** Throws unless two volumes have the same dimensions and lie at the same place in the patient. */
function checkSameGrid(a: { dims: readonly number[]; affine: Mat4 }, b: { dims: readonly number[]; affine: Mat4 }): void {
  const size = (dims: readonly number[]): string => dims.join('x');
  if (size(a.dims) !== size(b.dims)) {
    throw new NiftiError('NIFTI_INVALID_ARGUMENT', `dice: the masks are not on the same grid: ${size(a.dims)} vs ${size(b.dims)} voxels`, {
      details: { reason: 'dims', mask: a.dims, reference: b.dims },
    });
  }
  const tolerance = GRID_TOLERANCE_OF_VOXEL * Math.min(smallestSpacingMm(a.affine), smallestSpacingMm(b.affine));
  let offsetMm = 0;
  for (const corner of corners(a.dims)) {
    const p = voxelToWorld(a.affine, corner);
    const q = voxelToWorld(b.affine, corner);
    offsetMm = Math.max(offsetMm, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
  }
  if (!(offsetMm <= tolerance)) {
    throw new NiftiError(
      'NIFTI_INVALID_ARGUMENT',
      `dice: the masks are not on the same grid: their affines place a voxel ${offsetMm.toPrecision(3)} mm apart (resample one onto the other first)`,
      {
        details: { reason: 'affine', offsetMm, toleranceMm: tolerance },
      },
    );
  }
}

/**
 * The Dice overlap of two NIfTI masks (`.nii` or `.nii.gz` bytes, or a `Blob`), e.g. a model's segmentation
 * against the validated mask: {@link labelDice} of their stored voxel values, after checking that they lie
 * on the same grid (same dimensions, and affines that place every voxel within 1% of a voxel of each other).
 *
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` when the masks are on different grids (`details.reason`:
 *   `dims` or `affine`) or the label is not a finite number; any code of {@link readNifti} for a file that is
 *   not NIfTI.
 * @example
 * ```ts
 * const score = await maskDice(result.mask, await openAsBlob('validated.nii.gz'));
 * ```
 */
export async function maskDice(mask: NiftiSource, reference: NiftiSource, options: MaskDiceOptions = {}): Promise<number> {
  const { label, ...read } = options;
  const a = await readNifti(mask, read);
  const b = await readNifti(reference, read);
  throwIfAborted(options.signal);
  checkSameGrid(a, b);
  return labelDice(a.data, b.data, label === undefined ? {} : { label });
}
