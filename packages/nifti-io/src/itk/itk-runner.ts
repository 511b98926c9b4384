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
  resample(image: ItkScalarImage, grid: ItkGrid, interpolator: ItkInterpolator): Promise<ArrayBufferView>;
  /** Where a browser loads pipeline files from; Node reads them from the installed package and ignores it. */
  setPipelinesBaseUrl(url: string | URL): void;
}

/** Flattens a 3x3 matrix row by row, the order itk-wasm's `Image.direction` and `outputDirection` use. */
export function rowMajor(m: Mat3): number[] {
  return [...m[0], ...m[1], ...m[2]];
}
