import { readNifti } from '@medaas/nifti-io';
import { TrainingError } from './errors.js';

/**
 * The Dice overlap of two masks on the same grid (NIfTI bytes, `.nii` or `.nii.gz`; any value > 0 is
 * the structure): `2|A∩B| / (|A| + |B|)`, 1 when both are empty.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` when the grids differ in size.
 * @throws {NiftiError} when either file is not NIfTI.
 * @example
 * ```ts
 * const score = await maskDice(result.mask, referenceBytes);
 * ```
 */
export async function maskDice(mask: Uint8Array | Blob, reference: Uint8Array | Blob): Promise<number> {
  const a = await readNifti(mask);
  const b = await readNifti(reference);
  const count = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);
  if (count(a.dims) !== count(b.dims) || a.dims.slice(0, 3).join('x') !== b.dims.slice(0, 3).join('x')) {
    throw new TrainingError('TRAINING_INVALID_OPTIONS', `the masks differ in size: ${a.dims.join('x')} vs ${b.dims.join('x')}`, { details: { mask: a.dims, reference: b.dims } });
  }
  const da = a.data as ArrayLike<number | bigint>;
  const db = b.data as ArrayLike<number | bigint>;
  let both = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < da.length; i += 1) {
    const x = da[i]! > 0;
    const y = db[i]! > 0;
    if (x) sa += 1;
    if (y) sb += 1;
    if (x && y) both += 1;
  }
  return sa + sb === 0 ? 1 : (2 * both) / (sa + sb);
}
