import { MedaasError } from '@medaas/core';

/** The literal codes of every failure `@medaas/nifti-io` reports. */
export type NiftiErrorCode =
  /** The bytes are not NIfTI: no valid `sizeof_hdr` / magic in either byte order. */
  | 'NIFTI_NOT_NIFTI'
  /** A header field is out of range or inconsistent (dim, datatype/bitpix, vox_offset...). */
  | 'NIFTI_INVALID_HEADER'
  /** A spacing (pixdim) is negative, zero where it is needed, NaN or infinite. */
  | 'NIFTI_INVALID_PIXDIM'
  /** The datatype code is legal NIfTI but not supported (binary, float128, complex256). */
  | 'NIFTI_UNSUPPORTED_DATATYPE'
  /** The file ends before the header, the extensions or the voxel data it announces. */
  | 'NIFTI_TRUNCATED'
  /**
   * The announced volume is larger than a decode limit allows (`details.option` names it: `maxBytes`,
   * `maxGzipRatio`), or than the platform can allocate.
   */
  | 'NIFTI_TOO_LARGE'
  /** The gzip stream is corrupt. */
  | 'NIFTI_CORRUPT_GZIP'
  /** An extension block is malformed (size not a multiple of 16, or past `vox_offset`). */
  | 'NIFTI_INVALID_EXTENSION'
  /** A volume handed to a writer is inconsistent (data length, affine, dims, label values). */
  | 'NIFTI_INVALID_VOLUME'
  /** An option is out of range (e.g. a decode limit that is not a positive number). */
  | 'NIFTI_INVALID_ARGUMENT'
  /** A file could not be read or written. */
  | 'NIFTI_IO'
  /** Resampling in a browser before `setItkPipelinesBaseUrl` said where the pipelines are served. */
  | 'NIFTI_ITK_NOT_CONFIGURED'
  /**
   * Resampling without its engine: the optional peer dependency `@itk-wasm/downsample` is not installed
   * (Node) or not handed over with `setResampleEngine` (browsers). `details.install` is the command.
   */
  | 'NIFTI_RESAMPLE_UNAVAILABLE'
  /** An ITK pipeline failed on the given volume. */
  | 'NIFTI_ITK_FAILED';

/**
 * The error every `@medaas/nifti-io` function throws. `code` says what is wrong, the message says it in
 * words with the offending values, and `details` carries them as data (e.g. `{ field: 'dim[2]', value: -4 }`).
 *
 * @example
 * ```ts
 * try {
 *   await readNifti(bytes);
 * } catch (error) {
 *   if (error instanceof NiftiError && error.code === 'NIFTI_TRUNCATED') showRetryDownload();
 * }
 * ```
 */
export class NiftiError extends MedaasError<NiftiErrorCode> {}
