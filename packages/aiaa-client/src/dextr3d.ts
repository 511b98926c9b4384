/**
 * The official clients' DEXTR3D pre-processing, for servers whose DEXTR3D model expects a cropped ROI:
 * crop around the extreme points with a margin in millimetres, resample linearly to the model's ROI size,
 * map the points into the ROI, and afterwards paste the returned mask back onto the original grid with
 * nearest-neighbour sampling. NIfTI decoding and encoding are injected (e.g. `@medaas/nifti-io`'s
 * `readNifti` and `writeNifti`), so this package stays free of an image library.
 *
 * @packageDocumentation
 */
import { throwIfAborted, type CallOptions } from '@medaas/core';
import type { AiaaClient, AiaaCallOptions } from './aiaa/client.js';
import { AiaaError } from './errors.js';
import type { AiaaImage } from './connection/multipart-writer.js';
import { checkPoints, type VoxelPoint } from './points.js';
import type { SegmentationResult } from './aiaa/results.js';

/** A 4x4 voxel-to-world matrix, row-major (NIfTI's affine). */
export type AffineMatrix = readonly [
  readonly [number, number, number, number],
  readonly [number, number, number, number],
  readonly [number, number, number, number],
  readonly [number, number, number, number],
];

/** What the pre-processing reads from a decoded volume; `@medaas/nifti-io`'s `Volume` fits. */
export interface DecodedVolume {
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  readonly affine: AffineMatrix;
  readonly scaling?: { readonly slope: number; readonly inter: number };
}

/** A volume the pre-processing asks the codec to encode: the ROI (float32) or the restored mask (uint8). */
export interface EncodableVolume {
  readonly dims: readonly number[];
  readonly datatype: 'float32' | 'uint8';
  readonly data: Float32Array | Uint8Array;
  readonly affine: AffineMatrix;
}

/** NIfTI decoding and encoding, injected by the caller. */
export interface VolumeCodec {
  /**
   * Decodes NIfTI bytes (`.nii` or `.nii.gz`).
   *
   * @example
   * ```ts
   * import { readNifti, writeNifti } from '@medaas/nifti-io';
   * const codec: VolumeCodec = { decode: readNifti, encode: writeNifti };
   * const { dims, affine } = await codec.decode(await readFile('ct.nii.gz'));
   * ```
   */
  decode(bytes: Uint8Array): Promise<DecodedVolume>;
  /**
   * Encodes a volume as NIfTI bytes.
   *
   * @example
   * ```ts
   * const codec: VolumeCodec = { decode: readNifti, encode: writeNifti };
   * const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] as const;
   * const bytes = await codec.encode({ dims: [2, 2, 1], datatype: 'uint8', data: new Uint8Array(4), affine });
   * ```
   */
  encode(volume: EncodableVolume): Promise<Uint8Array>;
}

/** Options of {@link prepareDextr3d}. */
export interface PrepareDextr3dOptions extends CallOptions {
  /** The six (or more) extreme points, voxel indices of the full image. */
  readonly points: readonly VoxelPoint[];
  readonly codec: VolumeCodec;
  /** Margin around the points' box in millimetres. Default 20 (the official clients' `pad`). */
  readonly paddingMm?: number;
  /** The model's ROI size in voxels. Default `[128, 128, 128]` (the official `roi_size`). */
  readonly roiSize?: readonly [number, number, number];
}

/** The cropped and resampled ROI to send, and how to map the reply back. */
export interface Dextr3dRoi {
  /** The ROI as NIfTI bytes (float32, resampled linearly). */
  readonly image: Uint8Array;
  /** The extreme points in ROI voxel indices. */
  readonly points: VoxelPoint[];
  /** First voxel of the crop in the full image. */
  readonly cropStart: VoxelPoint;
  /** Size of the crop in full-image voxels. */
  readonly cropSize: readonly [number, number, number];
  /** Pastes a mask on the ROI grid back into a zero mask on the full image's grid (uint8, nearest neighbour). */
  restore(mask: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
}

/**
 * Crops and resamples an image around extreme points, as `AIAAUtils.image_pre_process` does.
 *
 * @throws {AiaaError} `AIAA_INVALID_ARGUMENT` for fewer than six points or more than `MAX_POINTS`
 *   (10 000), a point outside the image, a volume that is not 3-D, or a bad ROI size or padding; whatever
 *   `codec.decode` throws for bad bytes.
 * @example
 * ```ts
 * const roi = await prepareDextr3d(bytes, { points, codec: { decode: readNifti, encode: writeNifti } });
 * const { mask } = await client.dextr3d('annotation_spleen', roi.image, { points: roi.points });
 * const full = await roi.restore(mask);
 * ```
 */
export async function prepareDextr3d(image: AiaaImage, options: PrepareDextr3dOptions): Promise<Dextr3dRoi> {
  const { codec, signal } = options;
  const paddingMm = options.paddingMm ?? 20;
  const roiSize = options.roiSize ?? [128, 128, 128];
  if (!(paddingMm >= 0) || !Number.isFinite(paddingMm)) throw invalid(`paddingMm must be >= 0, got ${paddingMm}`);
  if (roiSize.length !== 3 || !roiSize.every((n) => Number.isSafeInteger(n) && n > 0 && n <= 4096))
    throw invalid(`roiSize must be three sizes from 1 to 4096`);
  const points = checkPoints(options.points, 'points', 6);
  throwIfAborted(signal);
  const bytes = image instanceof Uint8Array ? image : new Uint8Array(await image.arrayBuffer());
  throwIfAborted(signal);
  const volume = await codec.decode(bytes);
  throwIfAborted(signal);
  const dims = spatialDims(volume);
  const spacing = [0, 1, 2].map((axis) => Math.hypot(volume.affine[0][axis]!, volume.affine[1][axis]!, volume.affine[2][axis]!));
  const start: number[] = [];
  const size: number[] = [];
  for (let axis = 0; axis < 3; axis += 1) {
    // A loop, not Math.min(...values): spreading a long list overflows the engine's argument limit.
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const point of points) {
      min = Math.min(min, point[axis]!);
      max = Math.max(max, point[axis]!);
    }
    if (max >= dims[axis]!) throw invalid(`a point lies outside the image along axis ${axis} (size ${dims[axis]})`);
    // Whole voxels of padding, rounded, so that 6 mm at 0.99997 mm is 6 voxels rather than 7.
    const pad = spacing[axis]! > 0 ? Math.round(paddingMm / spacing[axis]!) : 0;
    const lo = Math.max(0, min - pad);
    const hi = Math.min(dims[axis]! - 1, max + pad);
    start.push(lo);
    size.push(hi - lo + 1);
  }
  const roi = resampleCrop(volume, dims, start, size, roiSize);
  const scale = [0, 1, 2].map((axis) => size[axis]! / roiSize[axis]!);
  const affine = volume.affine.map((row) => {
    const origin = row[0] * start[0]! + row[1] * start[1]! + row[2] * start[2]! + row[3];
    return [row[0] * scale[0]!, row[1] * scale[1]!, row[2] * scale[2]!, origin] as const;
  }) as unknown as AffineMatrix;
  const encoded = await codec.encode({ dims: [...roiSize], datatype: 'float32', data: roi, affine });
  const toRoi = (p: VoxelPoint): VoxelPoint =>
    [0, 1, 2].map((axis) =>
      clamp(Math.round(((p[axis]! - start[axis]!) * roiSize[axis]!) / size[axis]!), 0, roiSize[axis]! - 1),
    ) as unknown as VoxelPoint;
  return {
    image: encoded,
    points: points.map(toRoi),
    cropStart: [start[0]!, start[1]!, start[2]!],
    cropSize: [size[0]!, size[1]!, size[2]!],
    async restore(maskBytes, call = {}) {
      throwIfAborted(call.signal);
      const mask = await codec.decode(maskBytes);
      const maskDims = spatialDims(mask);
      if (maskDims.some((n, axis) => n !== roiSize[axis])) {
        throw new AiaaError('AIAA_INVALID_RESPONSE', `dextr3d: the mask is ${maskDims.join('x')}, not the ROI size ${roiSize.join('x')}`, {
          details: { maskDims, roiSize },
        });
      }
      const out = new Uint8Array(dims[0]! * dims[1]! * dims[2]!);
      const value = reader(mask);
      const [rx, ry, rz] = roiSize;
      for (let z = 0; z < size[2]!; z += 1) {
        const mz = Math.min(rz - 1, Math.round((z * rz) / size[2]!));
        for (let y = 0; y < size[1]!; y += 1) {
          const my = Math.min(ry - 1, Math.round((y * ry) / size[1]!));
          const row = ((start[2]! + z) * dims[1]! + start[1]! + y) * dims[0]! + start[0]!;
          const maskRow = (mz * ry + my) * rx;
          for (let x = 0; x < size[0]!; x += 1) {
            const mx = Math.min(rx - 1, Math.round((x * rx) / size[0]!));
            out[row + x] = Math.max(0, Math.min(255, Math.round(value(maskRow + mx))));
          }
        }
      }
      return codec.encode({ dims: dims.slice(0, 3), datatype: 'uint8', data: out, affine: volume.affine });
    },
  };
}

/** Options of {@link dextr3dWithPreprocessing}. */
export type Dextr3dPreprocessedOptions = PrepareDextr3dOptions & AiaaCallOptions & { readonly params?: Readonly<Record<string, unknown>> };

/**
 * DEXTR3D the way the official client's `dextr3d(pre_process=True)` runs it: crop and resample locally,
 * send the ROI, paste the returned mask back. The result's mask is on the full image's grid.
 *
 * @throws {AiaaError} the codes of {@link prepareDextr3d} and of `client.dextr3d`.
 * @example
 * ```ts
 * const { mask } = await dextr3dWithPreprocessing(client, 'annotation_spleen', { image, points, codec: { decode: readNifti, encode: writeNifti } });
 * ```
 */
export async function dextr3dWithPreprocessing(
  client: AiaaClient,
  model: string,
  options: Dextr3dPreprocessedOptions & { readonly image: AiaaImage },
): Promise<SegmentationResult> {
  const { image, points, codec, paddingMm, roiSize, ...call } = options;
  const roi = await prepareDextr3d(image, {
    points,
    codec,
    ...(paddingMm === undefined ? {} : { paddingMm }),
    ...(roiSize === undefined ? {} : { roiSize }),
    ...(call.signal === undefined ? {} : { signal: call.signal }),
  });
  const result = await client.dextr3d(model, roi.image, { ...call, points: roi.points });
  const mask = await roi.restore(result.mask, { signal: call.signal });
  const roiDims = roiSize ?? [128, 128, 128];
  // Points the server reports (e.g. extreme points) are in ROI space too: map them back to the full image.
  const back = result.points.map(
    (p) =>
      [0, 1, 2].map(
        (axis) => roi.cropStart[axis]! + Math.round((p[axis]! * roi.cropSize[axis]!) / roiDims[axis]!),
      ) as unknown as VoxelPoint,
  );
  return { ...result, mask, points: back };
}

function resampleCrop(volume: DecodedVolume, dims: number[], start: number[], size: number[], roi: readonly number[]): Float32Array {
  const [rx, ry, rz] = roi as [number, number, number];
  const out = new Float32Array(rx * ry * rz);
  const value = reader(volume);
  const nx = dims[0]!;
  const nxy = nx * dims[1]!;
  const axisSamples = (axis: number, count: number): { lo: Int32Array; hi: Int32Array; t: Float32Array } => {
    const lo = new Int32Array(count);
    const hi = new Int32Array(count);
    const t = new Float32Array(count);
    for (let r = 0; r < count; r += 1) {
      const c = Math.min(size[axis]! - 1, (r * size[axis]!) / count);
      const f = Math.floor(c);
      lo[r] = start[axis]! + f;
      hi[r] = start[axis]! + Math.min(size[axis]! - 1, f + 1);
      t[r] = c - f;
    }
    return { lo, hi, t };
  };
  const sx = axisSamples(0, rx);
  const sy = axisSamples(1, ry);
  const sz = axisSamples(2, rz);
  let o = 0;
  for (let z = 0; z < rz; z += 1) {
    const z0 = sz.lo[z]! * nxy;
    const z1 = sz.hi[z]! * nxy;
    const tz = sz.t[z]!;
    for (let y = 0; y < ry; y += 1) {
      const y0 = sy.lo[y]! * nx;
      const y1 = sy.hi[y]! * nx;
      const ty = sy.t[y]!;
      for (let x = 0; x < rx; x += 1) {
        const x0 = sx.lo[x]!;
        const x1 = sx.hi[x]!;
        const tx = sx.t[x]!;
        const c00 = value(z0 + y0 + x0) * (1 - tx) + value(z0 + y0 + x1) * tx;
        const c01 = value(z0 + y1 + x0) * (1 - tx) + value(z0 + y1 + x1) * tx;
        const c10 = value(z1 + y0 + x0) * (1 - tx) + value(z1 + y0 + x1) * tx;
        const c11 = value(z1 + y1 + x0) * (1 - tx) + value(z1 + y1 + x1) * tx;
        out[o++] = (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz;
      }
    }
  }
  return out;
}

function reader(volume: DecodedVolume): (index: number) => number {
  const slope = volume.scaling?.slope || 1;
  const inter = volume.scaling?.inter ?? 0;
  const data = volume.data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return (i) => Number(data[i]) * slope + inter;
  const numbers = data as ArrayLike<number>;
  return slope === 1 && inter === 0 ? (i) => numbers[i]! : (i) => numbers[i]! * slope + inter;
}

function spatialDims(volume: DecodedVolume): number[] {
  const dims = [...volume.dims];
  while (dims.length < 3) dims.push(1);
  if (dims.slice(3).some((n) => n !== 1)) throw invalid(`dextr3d pre-processing needs a 3-D volume, got ${dims.join('x')}`);
  if (volume.data.length < dims[0]! * dims[1]! * dims[2]!) throw invalid('the volume has fewer voxels than its dimensions');
  return dims.slice(0, 3);
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function invalid(message: string): AiaaError {
  return new AiaaError('AIAA_INVALID_ARGUMENT', message, { details: {} });
}
