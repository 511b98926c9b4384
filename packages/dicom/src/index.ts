/**
 * DICOM for the medaas SDK: series listing and series to volume, and typed errors that name the file.
 * The Node folder converter lives in `@medaas/dicom/node`.
 *
 * @packageDocumentation
 */
export { convertDicomSeries, listDicomSeries } from './convert.js';
export type { DicomInput, DicomSeriesSummary, ConvertDicomOptions } from './convert.js';
export type { DicomVolume, DicomWarning } from './dicom-series.js';
export { DicomError } from './dicom-error.js';
export type { DicomErrorCode } from './dicom-error.js';
export { writeDicomSeg, readDicomSeg, TISSUE, ORGAN, MAX_SEG_LABEL, GRID_TOLERANCE_MM, PLANE_TOLERANCE } from './seg/index.js';
export type { WriteDicomSegOptions, ReadDicomSegOptions, DicomSegResult, Code, SegmentAlgorithm, SegmentDescription, SegmentInfo } from './seg/index.js';
export { deidentifyDicom } from './deidentify/deidentify-dicom.js';
export type { DeidentifyDicomOptions, DeidentifiedSeries, DeidentifiedInstance } from './deidentify/deidentify-dicom.js';
export type { DeidentificationReport, DeidentifiedAttribute } from './deidentify/deidentification-report.js';
export type { AppliedAction } from './deidentify/profile-actions.js';
export { UidMap } from './deidentify/uid-map.js';
export type { UidMapJson } from './deidentify/uid-map.js';
export { PROFILE_TABLE } from './deidentify/profile-table.js';
export type { ProfileRow, ProfileActionCode } from './deidentify/profile-table.js';
