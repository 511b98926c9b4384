/**
 * Node helpers of `@medaas/mmar/bundle`: read a bundle folder, write one atomically, validate a folder
 * against the data on disk.
 *
 * @packageDocumentation
 */
export { readBundle, readBundleFiles, validateBundleFolder } from './read-bundle.js';
export type { ReadBundleOptions, ValidateBundleFolderOptions } from './read-bundle.js';
export { writeBundle } from './write-bundle.js';
