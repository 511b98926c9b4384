import { createWriteStream } from 'node:fs';
import { rm, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { throwIfAborted } from '@medaas/core';
import { codec } from '../codec/gzip-node.js';
import { NiftiError } from '../errors.js';
import { MASK_GZIP_LEVEL, toLabelMask } from '../masks.js';
import type { Volume } from '../volume.js';
import { encodeParts, gzipLevel, niftiChunks, type WriteNiftiOptions } from '../write.js';

/** Options of {@link writeNiftiFile}. */
export type WriteNiftiFileOptions = Omit<WriteNiftiOptions, 'gzip'> & {
  /** Compress with gzip. Default: when the path ends in `.gz`. */
  readonly gzip?: boolean;
};

/**
 * Writes a volume to a `.nii` or `.nii.gz` file as a stream (the voxels are never copied whole) and
 * atomically: the bytes go to a temporary file in the same folder, which is renamed to `path` only
 * once complete, so no reader ever sees a partial file under the final name.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` for an inconsistent volume, `NIFTI_IO` when the file
 *   cannot be written; or `signal.reason` when aborted. In every case no file is left behind.
 * @example
 * ```ts
 * import { writeNiftiFile } from '@medaas/nifti-io/node';
 * await writeNiftiFile('/data/out/ct.nii.gz', volume);
 * ```
 */
export async function writeNiftiFile(path: string, volume: Volume, options: WriteNiftiFileOptions = {}): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal);
  const gzip = options.gzip ?? path.endsWith('.gz');
  const level = gzipLevel(options);
  const parts = encodeParts(volume, options.version);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const chunks = niftiChunks(parts, options);
    const source = Readable.from(gzip ? codec.gzip(chunks, level, signal) : chunks, { objectMode: false });
    await pipeline(source, createWriteStream(temporary, { flags: 'wx', flush: true }), signal ? { signal } : {});
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    if (signal?.aborted) throw signal.reason;
    if (error instanceof NiftiError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new NiftiError('NIFTI_IO', `cannot write ${path}: ${reason}`, { details: { path }, cause: error });
  }
}

/**
 * Writes a label mask file compactly: smallest label type, gzip at the measured `MASK_GZIP_LEVEL`,
 * atomically like {@link writeNiftiFile}.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` when a voxel is not a valid label, `NIFTI_IO` on write errors.
 * @example
 * ```ts
 * await writeMaskFile('/data/labels/case_001.nii.gz', mask);
 * ```
 */
export async function writeMaskFile(path: string, mask: Volume, options: WriteNiftiFileOptions = {}): Promise<void> {
  await writeNiftiFile(path, toLabelMask(mask), { ...options, gzip: options.gzip ?? true, level: options.level ?? MASK_GZIP_LEVEL });
}
