/**
 * Node helpers of `@medaas/aiaa-client`: open an image file as a lazily read `Blob`, so uploads stream
 * from disk instead of loading the volume into memory.
 *
 * @packageDocumentation
 */
export { openImageFile } from './open-image-file.js';
