import { MedaasError } from '@medaas/core';

/** The literal codes of DICOM conversion failures. */
export type DicomErrorCode =
  /** A file is not DICOM or cannot be parsed; the message names the file. */
  | 'DICOM_INVALID_FILE'
  /** No image slices were found among the files. */
  | 'DICOM_NO_IMAGES'
  /** A series was asked for (by UID, number or a folder converter's `select`) that the files do not hold. */
  | 'DICOM_SERIES_NOT_FOUND'
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
  /** A mask for a DICOM Segmentation is not on its source series' grid (dims or affine differ). */
  | 'DICOM_SEG_GRID_MISMATCH'
  /** A mask for a DICOM Segmentation has no labelled voxel. */
  | 'DICOM_SEG_EMPTY'
  /** A mask's labels cannot be segments: non-integer datatype, scaling, a label above 255, or labels and segment descriptions disagree. */
  | 'DICOM_SEG_INVALID_LABEL'
  /** A file is not a DICOM Segmentation, or is a malformed one (the message says what is missing). */
  | 'DICOM_SEG_INVALID'
  /** A DICOM Segmentation references another series (or Frame of Reference) than the source files hold. */
  | 'DICOM_SEG_WRONG_SERIES'
  /** A DICOM Segmentation frame does not fall on the source series' grid (size, orientation, spacing or position). */
  | 'DICOM_SEG_OFF_GRID'
  /** Two segments of a DICOM Segmentation claim the same voxel, which a label mask cannot hold. */
  | 'DICOM_SEG_OVERLAP'
  /** A file or folder cannot be read or written. */
  | 'DICOM_IO'
  /**
   * De-identification refused a file whose pixels may show patient identifiers: Burned In Annotation
   * (0028,0301) is YES, or absent on a modality where burned-in text is usual; the message names the file.
   */
  | 'DICOM_BURNED_IN_ANNOTATION';

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
