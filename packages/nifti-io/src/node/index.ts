/**
 * Node.js helpers of `@medaas/nifti-io`: streaming, atomic file reads and writes.
 *
 * @packageDocumentation
 */
export { readNiftiFile, readNiftiHeaderFile } from './read-file.js';
export { writeNiftiFile, writeMaskFile } from './write-file.js';
export type { WriteNiftiFileOptions } from './write-file.js';
export { convertDicomFolder } from './dicom-folder.js';
export type { ConvertDicomFolderOptions, ConvertedSeries } from './dicom-folder.js';
