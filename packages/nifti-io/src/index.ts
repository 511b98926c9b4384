/**
 * NIfTI-1 and NIfTI-2 for the medaas SDK: read and write `.nii` and `.nii.gz` in every common datatype
 * and both byte orders, with exact geometry (RAS+ millimetres), compact label masks and typed errors.
 * Node file helpers live in `@medaas/nifti-io/node`.
 *
 * @packageDocumentation
 */
export { readNifti, readNiftiHeader } from './read.js';
export type { ReadNiftiOptions, NiftiSource } from './read.js';
export { writeNifti, DEFAULT_GZIP_LEVEL } from './write.js';
export type { WriteNiftiOptions } from './write.js';
export { writeMask, toLabelMask, MASK_GZIP_LEVEL } from './masks.js';
export type { WriteMaskOptions } from './masks.js';
export { labelDice, maskDice } from './dice.js';
export type { DiceOptions, MaskDiceOptions, LabelValues } from './dice.js';
export { scaledData } from './scaled-data.js';
export type { ScaledDataOptions } from './scaled-data.js';
export { NiftiError } from './errors.js';
export type { NiftiErrorCode } from './errors.js';
export { datatypeByCode, datatypeByName, matchesDatatype } from './datatypes.js';
export type { NiftiDatatype, VoxelData, DatatypeInfo } from './datatypes.js';
export type { NiftiHeader, NiftiExtension } from './header.js';
export { XFORM_CODES, INTENT_LABEL } from './header.js';
export type { Volume, NiftiVolume, Scaling, Intent } from './volume.js';
export {
  geometryFromAffine,
  affineFromGeometry,
  voxelToWorld,
  worldToVoxel,
  invertAffine,
  determinant3,
  flipRasLps,
  IDENTITY3,
} from './affine.js';
export type { Mat4, Mat3, Row4, Vec3, Geometry } from './affine.js';
export { qformToAffine, affineToQform } from './quaternion.js';
export type { Qform } from './quaternion.js';
export { isGzip } from './codec/gzip-codec.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_EXTENSION_BYTES, DEFAULT_MAX_GZIP_RATIO, DEFAULT_GZIP_RATIO_FLOOR_BYTES } from './decode-limits.js';
export type { DecodeLimits } from './decode-limits.js';
export { MAX_EXTENSIONS } from './header-decode.js';
export { resample, setItkPipelinesBaseUrl, setResampleEngine, WASM_MEMORY_LIMIT_BYTES } from './resample.js';
export type { Interpolation, Grid, ResampleTarget, ResampleOptions, ResampleEngine, ResampleEngineResult } from './resample.js';
export { deidentify, findIdentifyingFields } from './deidentify.js';
export type { IdentifierFinding } from './deidentify.js';
// Deprecated forwarders: the DICOM converter moved to @medaas/dicom.
export { convertDicomSeries, listDicomSeries, DicomError } from './dicom-moved.js';
export type { DicomInput, DicomSeriesSummary, ConvertDicomOptions, DicomVolume, DicomWarning, DicomErrorCode } from './dicom-moved.js';
