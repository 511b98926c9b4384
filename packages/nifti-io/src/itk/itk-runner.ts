import type { ResampleEngine } from './resample-engine.js';
import type { Mat3, Vec3 } from '../affine.js';

/** The itk-wasm component types the SDK hands to ITK pipelines. */
export type ItkComponentType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float32' | 'float64';

/** A scalar 3-D image in ITK's terms: LPS+ origin, direction rows, spacing, size (i fastest). */
export interface ItkScalarImage {
  readonly componentType: ItkComponentType;
  readonly size: readonly [number, number, number];
  readonly spacing: Vec3;
  readonly origin: Vec3;
  /** Direction cosines in LPS+, `direction[row][col]`; column c is the world direction of axis c. */
  readonly direction: Mat3;
  readonly data: ArrayBufferView;
}

/** The output grid of a resampling, in the same terms. */
export interface ItkGrid {
  readonly size: readonly [number, number, number];
  readonly spacing: Vec3;
  readonly origin: Vec3;
  readonly direction: Mat3;
}

/** The ITK interpolators the SDK uses (names of `@itk-wasm/downsample`'s `resample`). */
export type ItkInterpolator = 'linear' | 'nearest_neighbor' | 'label_image';

/**
 * Runs ITK's ResampleImageFilter (`@itk-wasm/downsample`'s published `resample` pipeline, loaded from
 * the installed package). Picked per platform through the package's `#itk` import map.
 */
export interface ItkRunner {
  /** `settings` of the call win over what the module-level setters chose. */
  resample(image: ItkScalarImage, grid: ItkGrid, interpolator: ItkInterpolator, settings?: EngineSettings): Promise<ArrayBufferView>;
  /** Where a browser loads pipeline files from; Node reads them from the installed package and ignores it. */
  setPipelinesBaseUrl(url: string | URL): void;
}

/** The engine and pipeline location of one resample call (its options `engine` and `pipelinesBaseUrl`). */
export interface EngineSettings {
  readonly engine?: ResampleEngine | undefined;
  readonly pipelinesBaseUrl?: string | URL | undefined;
}

/** Flattens a 3x3 matrix row by row, the order itk-wasm's `Image.direction` and `outputDirection` use. */
export function rowMajor(m: Mat3): number[] {
  return [...m[0], ...m[1], ...m[2]];
}

/** The itk-wasm `Image` object for a scalar image (typed structurally, so no itk-wasm import is needed here). */
export function toItkImage(image: ItkScalarImage): Record<string, unknown> {
  return {
    imageType: { dimension: 3, componentType: image.componentType, pixelType: 'Scalar', components: 1 },
    name: 'medaas',
    origin: [...image.origin],
    spacing: [...image.spacing],
    direction: new Float64Array(rowMajor(image.direction)),
    size: [...image.size],
    data: image.data,
    metadata: new Map(),
  };
}

/** The `resample` pipeline's options for an output grid. */
export function gridOptions(
  grid: ItkGrid,
  interpolator: ItkInterpolator,
): {
  size: number[];
  outputSpacing: number[];
  outputOrigin: number[];
  outputDirection: number[];
  interpolator: ItkInterpolator;
} {
  return {
    size: [...grid.size],
    outputSpacing: [...grid.spacing],
    outputOrigin: [...grid.origin],
    outputDirection: rowMajor(grid.direction),
    interpolator,
  };
}
