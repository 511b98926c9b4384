import { createProgressReporter, throwIfAborted, type ProgressCallback } from '@medaas/core';
import { runner } from '#itk';
import { affineFromGeometry, flipRasLps, geometryFromAffine, type Mat3, type Mat4, type Vec3 } from './affine.js';
import { datatypeByName, type NiftiDatatype, type VoxelData } from './datatypes.js';
import { NiftiError } from './errors.js';
import { validateVolume } from './header-build.js';
import type { ItkComponentType, ItkGrid, ItkInterpolator } from './itk/itk-runner.js';
import { checkedResampleEngine, type ResampleEngine } from './itk/resample-engine.js';
import type { Volume } from './volume.js';

// The engine is set here, beside the call that needs it, and lives in the runners' shared module.
export { setResampleEngine } from './itk/resample-engine.js';
export type { ResampleEngine, ResampleEngineResult } from './itk/resample-engine.js';

/**
 * How to compute values between voxel centres. There is deliberately no default: images want
 * `'linear'`, masks want `'nearest'` or `'label'`, and resampling a mask linearly by accident invents labels.
 * - `'linear'`: trilinear, for images.
 * - `'nearest'`: the nearest voxel's value, for masks and any exact-value data.
 * - `'label'`: ITK's label-image Gaussian interpolator: the label with the greatest smoothed weight, for
 *   multi-label masks (smoother boundaries than nearest, never a value that is not a label).
 */
export type Interpolation = 'linear' | 'nearest' | 'label';

/** A voxel grid: its size and its voxel-to-world affine (any `Volume` is one). */
export interface Grid {
  readonly dims: readonly number[];
  readonly affine: Mat4;
}

/**
 * Where to resample to: a new voxel size (same origin and axes, the extent kept: `size = round(n * old / new)`),
 * or the exact grid of another volume.
 */
export type ResampleTarget = { readonly spacingMm: Vec3 | number } | { readonly like: Grid };

/** Options of {@link resample}. */
export interface ResampleOptions {
  /** Required: see {@link Interpolation}. */
  readonly interpolation: Interpolation;
  /**
   * The output datatype for `'linear'` on an integer volume. Default: the input's type (values rounded to
   * the nearest integer and clamped to its range); pass `'float32'` to keep fractions.
   */
  readonly datatype?: 'float32' | 'float64';
  /** Cancels the call between steps (a running ITK pipeline finishes first); it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports `phase: 'resample'` (0 of 1, then 1 of 1). */
  readonly onProgress?: ProgressCallback | undefined;
  /**
   * The resampling engine, the `@itk-wasm/downsample` module (`import * as downsample from
   * '@itk-wasm/downsample'`). Node loads the installed one by itself; browsers need it here (or once with
   * `setResampleEngine`), since a bundler includes only what the application imports.
   */
  readonly engine?: ResampleEngine | undefined;
  /**
   * Browsers: where the application serves the engine's pipeline files (a copy of
   * `node_modules/@itk-wasm/downsample/dist/pipelines`); never a CDN. Node ignores it.
   */
  readonly pipelinesBaseUrl?: string | URL | undefined;
}

/** What ITK's wasm build can address, less headroom for the pipeline itself. */
export const WASM_MEMORY_LIMIT_BYTES = 3.5 * 2 ** 30;

const INTERPOLATORS: Record<Interpolation, ItkInterpolator> = {
  linear: 'linear',
  nearest: 'nearest_neighbor',
  label: 'label_image',
};

/**
 * Resamples a 3-D volume onto a new grid with ITK's ResampleImageFilter semantics (voxel centres, physical
 * space, background 0 outside the input), through `@itk-wasm/downsample`'s published pipeline. The engine is
 * an optional peer dependency, loaded only when this is called: `npm install @itk-wasm/downsample` where
 * you resample (Node finds it by itself; browsers hand it over with {@link setResampleEngine}).
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` for an inconsistent, non-3-D, colour or sheared volume, a
 *   missing or unknown interpolation, or a bad target; `NIFTI_TOO_LARGE` when input and output together
 *   would exceed the wasm memory limit (checked before any work); `NIFTI_RESAMPLE_UNAVAILABLE` when the
 *   engine is not installed (Node) or not set (browsers); `NIFTI_ITK_FAILED` when the pipeline
 *   fails; `NIFTI_ITK_NOT_CONFIGURED` in a browser without `setItkPipelinesBaseUrl`.
 * @example
 * ```ts
 * const iso = await resample(ct, { spacingMm: 1 }, { interpolation: 'linear' });
 * const maskBack = await resample(maskIso, { like: ct }, { interpolation: 'label' });
 * ```
 */
export async function resample(volume: Volume, target: ResampleTarget, options: ResampleOptions): Promise<Volume> {
  const { signal } = options;
  throwIfAborted(signal);
  const interpolator = INTERPOLATORS[options?.interpolation];
  if (!interpolator) {
    throw new NiftiError(
      'NIFTI_INVALID_VOLUME',
      `resample needs interpolation 'linear', 'nearest' or 'label', got ${String(options?.interpolation)}`,
      {
        details: { interpolation: options?.interpolation },
      },
    );
  }
  if (options.engine !== undefined) checkedResampleEngine(options.engine, 'resample');
  validateVolume(volume);
  const dims = spatialDims(volume);
  const input = itkGeometry(volume.affine, 'input');
  const grid = outputGrid(dims, input, target);
  const info = datatypeByName(volume.datatype);
  const linearOnIntegers = options.interpolation === 'linear' && info.integer;
  const workType: ItkComponentType = linearOnIntegers
    ? (options.datatype ?? (info.componentBytes >= 4 ? 'float64' : 'float32'))
    : (volume.datatype as ItkComponentType);
  const outVoxels = grid.size[0] * grid.size[1] * grid.size[2];
  const workBytes = datatypeByName(workType).componentBytes;
  const needed = volume.data.length * workBytes + outVoxels * workBytes;
  if (needed > WASM_MEMORY_LIMIT_BYTES) {
    throw new NiftiError(
      'NIFTI_TOO_LARGE',
      `resampling ${dims.join('x')} to ${grid.size.join('x')} ${workType} needs ${(needed / 2 ** 30).toFixed(1)} GiB inside WebAssembly, more than the ${WASM_MEMORY_LIMIT_BYTES / 2 ** 30} GiB it can address: crop or split the volume first`,
      { details: { inputDims: dims, outputDims: grid.size, neededBytes: needed, limitBytes: WASM_MEMORY_LIMIT_BYTES } },
    );
  }
  const progress = createProgressReporter(options.onProgress, { phase: 'resample', total: 1 });
  progress.update(0);
  const data = linearOnIntegers ? toFloat(volume.data, workType) : volume.data;
  let output: ArrayBufferView;
  try {
    output = await runner.resample(
      { componentType: workType, size: dims, spacing: input.spacingMm, origin: input.originMm, direction: input.direction, data },
      grid,
      interpolator,
      { engine: options.engine, pipelinesBaseUrl: options.pipelinesBaseUrl },
    );
  } catch (error) {
    if (error instanceof NiftiError) throw error;
    throw new NiftiError('NIFTI_ITK_FAILED', `ITK resampling failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  throwIfAborted(signal);
  progress.done(1);
  const outType: NiftiDatatype = linearOnIntegers && !options.datatype ? volume.datatype : workType;
  const outData = outType === workType ? (output as VoxelData) : roundInto(output as Float32Array | Float64Array, outType);
  const { extensions: _extensions, pixdim: _pixdim, ...rest } = volume;
  return {
    ...rest,
    dims: [...grid.size],
    datatype: outType,
    data: outData,
    affine: flipRasLps(affineFromGeometry({ spacingMm: grid.spacing, originMm: grid.origin, direction: grid.direction })),
  };
}

/** ITK's geometry (LPS+) of an affine; refuses shear, which ITK's direction cosines cannot express. */
function itkGeometry(affine: Mat4, role: string): { spacingMm: Vec3; originMm: Vec3; direction: Mat3 } {
  const g = geometryFromAffine(flipRasLps(affine));
  const d = g.direction;
  const dot = (a: 0 | 1 | 2, b: 0 | 1 | 2): number => d[0][a] * d[0][b] + d[1][a] * d[1][b] + d[2][a] * d[2][b];
  if (Math.abs(dot(0, 1)) > 1e-4 || Math.abs(dot(0, 2)) > 1e-4 || Math.abs(dot(1, 2)) > 1e-4) {
    throw new NiftiError(
      'NIFTI_INVALID_VOLUME',
      `the ${role} grid is sheared (its axes are not perpendicular): resampling needs an affine without shear`,
      {
        details: { affine },
      },
    );
  }
  return g;
}

function spatialDims(volume: Volume): [number, number, number] {
  const { dims } = volume;
  if (dims.length > 3 && dims.slice(3).some((n) => n !== 1)) {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `resample takes 3-D volumes; this one is ${dims.join('x')}`, { details: { dims } });
  }
  const info = datatypeByName(volume.datatype);
  if (info.components !== 1) {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `resample takes scalar volumes, not ${volume.datatype}`, {
      details: { datatype: volume.datatype },
    });
  }
  return [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
}

function outputGrid(
  dims: readonly [number, number, number],
  input: { spacingMm: Vec3; originMm: Vec3; direction: Mat3 },
  target: ResampleTarget,
): ItkGrid {
  if ('like' in target) {
    const g = itkGeometry(target.like.affine, 'target');
    const size = [0, 1, 2].map((i) => target.like.dims[i] ?? 1) as unknown as [number, number, number];
    if (size.some((n) => !Number.isSafeInteger(n) || n < 1)) {
      throw new NiftiError('NIFTI_INVALID_VOLUME', `the target grid's dims ${target.like.dims.join('x')} are not positive integers`, {
        details: { dims: target.like.dims },
      });
    }
    return { size, spacing: g.spacingMm, origin: g.originMm, direction: g.direction };
  }
  const raw = target.spacingMm;
  const spacing = (typeof raw === 'number' ? [raw, raw, raw] : raw) as Vec3;
  if (!Array.isArray(spacing) || spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `spacingMm must be a positive number or three, got ${JSON.stringify(raw)}`, {
      details: { spacingMm: raw },
    });
  }
  const size = [0, 1, 2].map((i) => Math.max(1, Math.round((dims[i]! * input.spacingMm[i]!) / spacing[i]!))) as unknown as [
    number,
    number,
    number,
  ];
  return { size, spacing, origin: input.originMm, direction: input.direction };
}

function toFloat(data: VoxelData, type: ItkComponentType): Float32Array | Float64Array {
  const out = type === 'float64' ? new Float64Array(data.length) : new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < data.length; i += 1) out[i] = Number(data[i]);
  else out.set(data);
  return out;
}

/** Rounds to the nearest integer and clamps to the type's range (typed-array stores would wrap). */
function roundInto(values: Float32Array | Float64Array, type: NiftiDatatype): VoxelData {
  const info = datatypeByName(type);
  const out = info.view(new ArrayBuffer(values.length * info.componentBytes), 0, values.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i += 1) (out as BigInt64Array)[i] = BigInt(Math.round(values[i]!));
    return out;
  }
  const bits = info.componentBytes * 8;
  const signed = type.startsWith('int');
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const target = out as Float64Array;
  for (let i = 0; i < values.length; i += 1) {
    const v = Math.round(values[i]!);
    target[i] = v < min ? min : v > max ? max : v;
  }
  return out;
}

/**
 * Tells a browser where the application serves `@itk-wasm/downsample`'s pipeline files (copy
 * `node_modules/@itk-wasm/downsample/dist/pipelines` into your static assets). The SDK never loads
 * pipelines from a CDN: in a browser, {@link resample} fails with `NIFTI_ITK_NOT_CONFIGURED` until this is
 * called. Node reads the pipelines from the installed package and ignores the call.
 *
 * @example
 * ```ts
 * import * as downsample from '@itk-wasm/downsample';
 * setResampleEngine(downsample);
 * setItkPipelinesBaseUrl(new URL('/assets/itk/pipelines', location.href));
 * ```
 */
export function setItkPipelinesBaseUrl(url: string | URL): void {
  runner.setPipelinesBaseUrl(url);
}
