/**
 * Node.js helpers of `@medaas/dicom`: convert a folder of DICOM files into NIfTI volumes.
 *
 * @packageDocumentation
 */
export { convertDicomFolder } from './dicom-folder.js';
export type { ConvertDicomFolderOptions, ConvertedSeries } from './dicom-folder.js';
export { writeDicomSegFile } from './seg-file.js';
export { retrieveSeriesToFolder } from './dicomweb-folder.js';
export type { RetrieveSeriesToFolderOptions, RetrievedSeriesFolder } from './dicomweb-folder.js';
export { deidentifyDicomFolder } from './deidentify-folder.js';
export type { DeidentifyDicomFolderOptions, DeidentifiedFolder } from './deidentify-folder.js';
