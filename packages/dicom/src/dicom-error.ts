import { MedaasError } from '@medaas/core';

/** The literal codes of DICOM conversion failures. */
export type DicomErrorCode =
  /** A file is not DICOM or cannot be parsed; the message names the file. */
  | 'DICOM_INVALID_FILE'
  /** No image slices were found among the files. */
  | 'DICOM_NO_IMAGES'
  /** The files hold more than one series; pick one by its Series Instance UID. */
  | 'DICOM_MIXED_SERIES'
  /** Slices of one series disagree on size, orientation or spacing; the message names the file. */
  | 'DICOM_INCONSISTENT_SERIES'
  /** Two slices at the same position. */
  | 'DICOM_DUPLICATE_SLICE'
  /** Something DICOM allows that the converter does not (colour, 32-bit float pixels, missing geometry). */
  | 'DICOM_UNSUPPORTED'
  /**
   * The pixels a file or series announces are more than `maxBytes` allows, or compressed pixel data
   * would expand implausibly (`details.option` names the limit, with `declared` and `limit`).
   */
  | 'DICOM_TOO_LARGE'
  /** An option is out of range (e.g. a `maxBytes` that is not a positive number). */
  | 'DICOM_INVALID_ARGUMENT'
  /** A file or folder cannot be read or written. */
  | 'DICOM_IO';

/**
 * The error of every DICOM conversion function. Messages name the file and the problem; `details`
 * carries file names and numbers, never a DICOM attribute value that could identify a patient.
 *
 * @example
 * ```ts
 * if (error instanceof DicomError && error.code === 'DICOM_MIXED_SERIES') choose(error.details.series);
 * ```
 */
export class DicomError extends MedaasError<DicomErrorCode> {}
