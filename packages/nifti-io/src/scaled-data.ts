import { NiftiError } from './errors.js';
import type { Volume } from './volume.js';

/** Options of {@link scaledData}. */
export interface ScaledDataOptions {
  /** Element type of the result. Default `'float64'`. */
  readonly precision?: 'float32' | 'float64';
}

/**
 * The voxel values with `scl_slope`/`scl_inter` applied, as float64 (the same as nibabel's
 * `get_fdata()`), or float32 when `precision: 'float32'` saves memory. The result never shares memory
 * with `volume.data`.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` for colour and complex volumes (they have no single value
 *   per voxel) and for 64-bit integers beyond 2^53, which a float64 cannot hold exactly.
 * @example
 * ```ts
 * const hounsfield = scaledData(ctVolume); // stored int16 * slope + inter
 * ```
 */
export function scaledData(volume: Volume, options: ScaledDataOptions = {}): Float32Array | Float64Array {
  const { data, datatype } = volume;
  if (datatype === 'rgb24' || datatype === 'rgba32' || datatype === 'complex64' || datatype === 'complex128') {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `${datatype} volumes have no single value per voxel to scale`, { details: { datatype } });
  }
  const slope = volume.scaling?.slope ?? 1;
  const inter = volume.scaling?.inter ?? 0;
  const out = options.precision === 'float32' ? new Float32Array(data.length) : new Float64Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i += 1) {
      const value = data[i]!;
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new NiftiError('NIFTI_INVALID_VOLUME', `voxel ${i} holds ${value}, beyond the integers a float64 represents exactly`, {
          details: { index: i, value: value.toString() },
        });
      }
      out[i] = Number(value) * slope + inter;
    }
    return out;
  }
  if (slope === 1 && inter === 0) {
    out.set(data);
    return out;
  }
  for (let i = 0; i < data.length; i += 1) out[i] = data[i]! * slope + inter;
  return out;
}
