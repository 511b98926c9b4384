/**
 * DICOM for the medaas SDK: series listing and series to volume, and typed errors that name the file.
 * The Node folder converter lives in `@medaas/dicom/node`.
 *
 * @packageDocumentation
 */
export { convertDicomSeries, listDicomSeries } from './convert.js';
export type { DicomInput, DicomSeriesSummary, ConvertDicomOptions, BadDicomFile } from './convert.js';
export type { DicomVolume, DicomWarning } from './dicom-series.js';
export { DicomError } from './dicom-error.js';
export type { DicomErrorCode } from './dicom-error.js';
export { writeDicomSeg, readDicomSeg, TISSUE, ORGAN, MAX_SEG_LABEL, GRID_TOLERANCE_MM, PLANE_TOLERANCE } from './seg/index.js';
export type {
  WriteDicomSegOptions,
  ReadDicomSegOptions,
  DicomSegResult,
  Code,
  SegmentAlgorithm,
  SegmentDescription,
  SegmentInfo,
} from './seg/index.js';
export { deidentifyDicom } from './deidentify/deidentify-dicom.js';
export type { DeidentifyDicomOptions, DeidentifiedSeries, DeidentifiedInstance } from './deidentify/deidentify-dicom.js';
export type { DeidentificationReport, DeidentifiedAttribute } from './deidentify/deidentification-report.js';
export type { AppliedAction } from './deidentify/profile-actions.js';
export { UidMap } from './deidentify/uid-map.js';
export type { UidMapJson } from './deidentify/uid-map.js';
export { PROFILE_TABLE } from './deidentify/profile-table.js';
export type { ProfileRow, ProfileActionCode } from './deidentify/profile-table.js';
export { createDicomwebClient } from './dicomweb/dicomweb-client.js';
export type {
  DicomwebClient,
  DicomwebClientOptions,
  DicomwebAuth,
  RetrieveOptions,
  StoreOptions,
  DicomInstanceRef,
} from './dicomweb/dicomweb-client.js';
export type { DicomwebCallOptions } from './dicomweb/dicomweb-http.js';
export type { SearchOptions, SearchAllOptions } from './dicomweb/qido.js';
export type { StoreResult, StoredInstance, FailedInstance } from './dicomweb/stow.js';
export { DicomwebError } from './dicomweb/dicomweb-error.js';
export type { DicomwebErrorCode } from './dicomweb/dicomweb-error.js';
export { parseMultipartRelated, multipartBoundary } from './dicomweb/multipart-related.js';
export type { MultipartPart, MultipartLimits } from './dicomweb/multipart-related.js';
export {
  DICOM_TAGS,
  dicomTag,
  dicomJsonValue,
  dicomJsonValues,
  dicomJsonString,
  studyUidOf,
  seriesUidOf,
  sopUidOf,
} from './dicomweb/dicom-json.js';
export type { DicomJsonDataset, DicomJsonAttribute, DicomJsonValue, DicomJsonPersonName, DicomKeyword } from './dicomweb/dicom-json.js';
export { isDicomUid } from './dicomweb/dicom-uid.js';
export { part10SopInstanceUid } from './dicomweb/part10-meta.js';
