/**
 * Node helpers of `@medaas/mmar`: read a whole MMAR folder, write one atomically, validate a folder
 * against the data on disk.
 *
 * @packageDocumentation
 */
export { readMmar, readMmarFiles, validateMmarFolder } from './read-mmar.js';
export type { ReadMmarOptions, ReadMmarFilesOptions, ValidateMmarFolderOptions } from './read-mmar.js';
export { writeMmar } from './write-mmar.js';
