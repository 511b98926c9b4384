// The DICOM Segmentation part of @medaas/dicom, re-exported by the package entry.
export { writeDicomSeg } from './seg-write.js';
export type { WriteDicomSegOptions } from './seg-write.js';
export { readDicomSeg } from './seg-read.js';
export type { ReadDicomSegOptions, DicomSegResult } from './seg-read.js';
export type { Code, SegmentAlgorithm, SegmentDescription, SegmentInfo } from './seg-types.js';
export { TISSUE, ORGAN } from './seg-codes.js';
export { MAX_SEG_LABEL, GRID_TOLERANCE_MM } from './seg-mask.js';
export { PLANE_TOLERANCE } from './seg-frames.js';
