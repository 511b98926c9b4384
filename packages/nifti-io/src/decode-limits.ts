import { NiftiError } from './errors.js';

/**
 * The default ceiling on the voxel data a read may allocate: 4 GiB, a sixth of a 24 GiB machine and the
 * largest typed array Node 20 can allocate.
 */
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;

/**
 * The default ceiling on the bytes between the fixed header and `vox_offset` (the extensions): 64 MiB.
 * Real extensions (DICOM headers, AFNI attributes, CIFTI-2 XML) are kilobytes to a few megabytes.
 */
export const DEFAULT_MAX_EXTENSION_BYTES = 64 * 2 ** 20;

/**
 * The default cap on how much a `.nii.gz` may expand beyond {@link DEFAULT_GZIP_RATIO_FLOOR_BYTES}: 500
 * decoded bytes per compressed byte. Measured: real label atlases compress 20-150:1, an empty or
 * nearly empty mask 229:1 at gzip level 1-3 and 1029:1 (deflate's maximum) at level 6-9.
 */
export const DEFAULT_MAX_GZIP_RATIO = 500;

/**
 * Voxel data up to this size (1 GiB) is accepted from gzip at any ratio, so that an empty 1024^3 mask
 * written at level 9 (1 MB on disk) still reads; the ratio cap applies only to volumes beyond it.
 */
export const DEFAULT_GZIP_RATIO_FLOOR_BYTES = 2 ** 30;

/** The decode limits of a read, every one in bytes except the ratio. */
export interface DecodeLimits {
  /** Refuse volumes whose voxel data exceeds this many bytes, before allocating. Default {@link DEFAULT_MAX_BYTES}. */
  readonly maxBytes?: number | undefined;
  /** Refuse a `vox_offset` more than this many bytes past the fixed header (the extension area). Default {@link DEFAULT_MAX_EXTENSION_BYTES}. */
  readonly maxExtensionBytes?: number | undefined;
  /** A gzip input may inflate to at most this many times its size once past the floor. Default {@link DEFAULT_MAX_GZIP_RATIO}. */
  readonly maxGzipRatio?: number | undefined;
  /** Data up to this many bytes (after `vox_offset`) inflates at any ratio. Default {@link DEFAULT_GZIP_RATIO_FLOOR_BYTES}. */
  readonly gzipRatioFloorBytes?: number | undefined;
}

/** {@link DecodeLimits} with every default filled in and checked. */
export type ResolvedLimits = { readonly [K in keyof DecodeLimits]-?: number };

/**
 * Fills in the defaults and checks the values a caller gave.
 *
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` for a limit that is not a positive number.
 */
export function resolveLimits(options: DecodeLimits): ResolvedLimits {
  const pick = (name: keyof DecodeLimits, fallback: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value > 0)) {
      throw new NiftiError('NIFTI_INVALID_ARGUMENT', `${name} must be a positive number, got ${String(value)}`, {
        details: { option: name, value },
      });
    }
    return value;
  };
  return {
    maxBytes: pick('maxBytes', DEFAULT_MAX_BYTES),
    maxExtensionBytes: pick('maxExtensionBytes', DEFAULT_MAX_EXTENSION_BYTES),
    maxGzipRatio: pick('maxGzipRatio', DEFAULT_MAX_GZIP_RATIO),
    gzipRatioFloorBytes: pick('gzipRatioFloorBytes', DEFAULT_GZIP_RATIO_FLOOR_BYTES),
  };
}

/**
 * Refuses a `vox_offset` (or, for a header-only file, an extension area) beyond `maxExtensionBytes`, so
 * that a small file cannot make a reader collect and inflate an unbounded prefix.
 *
 * @throws {NiftiError} `NIFTI_INVALID_HEADER` with `details: { field, value, option, declared, limit }`.
 */
export function checkExtensionArea(field: 'vox_offset' | 'extensions', end: number, sizeofHdr: number, limits: ResolvedLimits): void {
  const declared = end - sizeofHdr;
  const limit = limits.maxExtensionBytes;
  if (declared <= limit) return;
  const what =
    field === 'vox_offset'
      ? `vox_offset is ${end}: the data would start ${declared} bytes after the ${sizeofHdr}-byte header`
      : `the header-only file's extensions run past ${limit} bytes`;
  throw new NiftiError('NIFTI_INVALID_HEADER', `${what}, more than maxExtensionBytes (${limit}) allows`, {
    details: { field, value: end, option: 'maxExtensionBytes', declared, limit },
  });
}

/** The facts of a header the size limits are checked against. */
export interface DeclaredSize {
  readonly dims: readonly number[];
  readonly datatypeName: string;
  readonly voxOffset: number;
  readonly dataBytes: number;
}

/**
 * Checks the voxel data a header announces against `maxBytes` and, for gzip input of a known size,
 * against the expansion-ratio cap: both before anything is allocated or inflated.
 *
 * @throws {NiftiError} `NIFTI_TOO_LARGE` with `details: { option, declared, limit }`.
 */
export function checkDeclaredSize(
  size: DeclaredSize,
  input: { readonly gzip: boolean; readonly size: number | undefined },
  limits: ResolvedLimits,
): void {
  const described = `${size.dims.join('x')} ${size.datatypeName} voxels (${size.dataBytes} bytes)`;
  if (size.dataBytes > limits.maxBytes) {
    throw new NiftiError('NIFTI_TOO_LARGE', `the header announces ${described}, more than the ${limits.maxBytes}-byte limit (maxBytes)`, {
      details: {
        option: 'maxBytes',
        declared: size.dataBytes,
        limit: limits.maxBytes,
        dims: size.dims,
        dataBytes: size.dataBytes,
        maxBytes: limits.maxBytes,
      },
    });
  }
  if (!input.gzip || input.size === undefined || input.size === 0 || size.dataBytes <= limits.gzipRatioFloorBytes) return;
  const ratio = (size.voxOffset + size.dataBytes) / input.size;
  if (ratio > limits.maxGzipRatio) {
    throw new NiftiError(
      'NIFTI_TOO_LARGE',
      `the header announces ${described} from ${input.size} compressed bytes, a ${Math.round(ratio)}:1 expansion; beyond ${limits.gzipRatioFloorBytes} bytes the limit is ${limits.maxGzipRatio}:1 (maxGzipRatio)`,
      {
        details: {
          option: 'maxGzipRatio',
          declared: Math.round(ratio),
          limit: limits.maxGzipRatio,
          compressedBytes: input.size,
          dataBytes: size.dataBytes,
        },
      },
    );
  }
}

/**
 * Counts inflated bytes as they arrive and stops a stream that keeps expanding past the ratio cap (data
 * after the voxels, or a stream whose size was not known up front).
 */
export class InflateBudget {
  #inflated = 0;
  readonly #compressed: number | undefined;
  readonly #limits: ResolvedLimits;

  constructor(compressedBytes: number | undefined, limits: ResolvedLimits) {
    this.#compressed = compressedBytes;
    this.#limits = limits;
  }

  /**
   * Adds `bytes` inflated bytes; `dataStart` is where the voxel data starts (0 while unknown).
   *
   * @throws {NiftiError} `NIFTI_TOO_LARGE` with `details: { option: 'maxGzipRatio', declared, limit, inflatedBytes }`.
   */
  add(bytes: number, dataStart: number): void {
    this.#inflated += bytes;
    const compressed = this.#compressed;
    if (compressed === undefined || compressed === 0) return;
    const { maxGzipRatio, gzipRatioFloorBytes } = this.#limits;
    if (this.#inflated - dataStart <= gzipRatioFloorBytes || this.#inflated <= maxGzipRatio * compressed) return;
    const ratio = Math.round(this.#inflated / compressed);
    throw new NiftiError(
      'NIFTI_TOO_LARGE',
      `the gzip stream inflated to ${this.#inflated} bytes from ${compressed} compressed bytes (${ratio}:1) and goes on; beyond ${gzipRatioFloorBytes} bytes the limit is ${maxGzipRatio}:1 (maxGzipRatio)`,
      {
        details: {
          option: 'maxGzipRatio',
          declared: ratio,
          limit: maxGzipRatio,
          compressedBytes: compressed,
          inflatedBytes: this.#inflated,
        },
      },
    );
  }
}
