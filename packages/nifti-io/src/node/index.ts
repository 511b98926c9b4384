/**
 * Node.js helpers of `@medaas/nifti-io`: streaming, atomic file reads and writes.
 *
 * @packageDocumentation
 */
export { readNiftiFile, readNiftiHeaderFile } from './read-file.js';
export { writeNiftiFile, writeMaskFile } from './write-file.js';
export type { WriteNiftiFileOptions } from './write-file.js';
// Deprecated forwarder: the DICOM folder converter moved to @medaas/dicom/node.
export { convertDicomFolder } from './dicom-folder-moved.js';
export type { ConvertDicomFolderOptions, ConvertedSeries } from './dicom-folder-moved.js';
