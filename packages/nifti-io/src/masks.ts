import { throwIfAborted } from '@medaas/core';
import { NiftiError } from './errors.js';
import { INTENT_LABEL } from './header.js';
import type { Volume } from './volume.js';
import { gzipLevel, writeNifti, type WriteNiftiOptions } from './write.js';

/**
 * The gzip level for label masks, chosen by measurement (`npm run bench`, see the package README). On
 * real masks (a brain mask, a 116-label atlas, a 512x512x300 body mask) level 3 runs as fast as levels 1
 * and 2 (zlib's fast strategy) and writes 10-20 % smaller files; level 6 saves another 30-45 % of a
 * file that is already 100-200 times smaller than its voxels, for 3-7 times the time, which pays off
 * only on links slower than about 7 Mbit/s.
 */
export const MASK_GZIP_LEVEL = 3;

/**
 * Converts a volume of whole-number labels to the smallest label type that holds them (`uint8` up to
 * 255, else `uint16`), marks it as a label volume (`NIFTI_INTENT_LABEL`) and drops scaling. Accepts
 * masks of any numeric type, e.g. float32 0/1 masks from an inference server.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` for a negative, fractional or non-finite value, a value
 *   above 65535, or a colour/complex volume; the message names the first bad voxel.
 * @example
 * ```ts
 * const mask = toLabelMask({ ...image, datatype: 'float32', data: probabilities.map((p) => (p > 0.5 ? 1 : 0)) });
 * ```
 */
export function toLabelMask(volume: Volume): Volume {
  const { data, datatype } = volume;
  if (datatype === 'rgb24' || datatype === 'rgba32' || datatype === 'complex64' || datatype === 'complex128') {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `a ${datatype} volume cannot be a label mask`, { details: { datatype } });
  }
  const slope = volume.scaling?.slope ?? 1;
  const inter = volume.scaling?.inter ?? 0;
  let max = 0;
  const n = data.length;
  const valueAt = (i: number): number => Number(data[i]!) * slope + inter;
  for (let i = 0; i < n; i += 1) {
    const value = valueAt(i);
    if (!(value >= 0) || !Number.isInteger(value) || value > 65535) {
      throw new NiftiError('NIFTI_INVALID_VOLUME', `voxel ${i} holds ${value}: a label must be a whole number from 0 to 65535`, {
        details: { index: i, value },
      });
    }
    if (value > max) max = value;
  }
  const out = max <= 255 ? new Uint8Array(n) : new Uint16Array(n);
  if (slope === 1 && inter === 0 && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) out.set(data);
  else for (let i = 0; i < n; i += 1) out[i] = valueAt(i);
  const { scaling: _scaling, calibration: _calibration, ...rest } = volume;
  return { ...rest, datatype: max <= 255 ? 'uint8' : 'uint16', data: out, intent: { code: INTENT_LABEL, params: [0, 0, 0] } };
}

/** Options of {@link writeMask}. */
export type WriteMaskOptions = Omit<WriteNiftiOptions, 'gzip'> & {
  /** Compress with gzip. Default true: masks shrink 20-100 fold. */
  readonly gzip?: boolean;
};

/**
 * Writes a label mask compactly and fast: the smallest label type (see {@link toLabelMask}), gzip at
 * the measured {@link MASK_GZIP_LEVEL}.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` when a voxel is not a valid label (see {@link toLabelMask}).
 * @example
 * ```ts
 * const bytes = await writeMask(segmentation); // a small .nii.gz, uint8 labels
 * ```
 */
export async function writeMask(mask: Volume, options: WriteMaskOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  throwIfAborted(options.signal);
  const level = gzipLevel(options, MASK_GZIP_LEVEL);
  return writeNifti(toLabelMask(mask), { ...options, gzip: options.gzip ?? true, level });
}
