import { openAsBlob } from 'node:fs';
import { throwIfAborted, type CallOptions } from '@medaas/core';
import { AiaaError } from '../errors.js';

/**
 * Opens an image file as a `Blob` backed by the file: passing it to a client call streams the upload
 * from disk, so a 150 MB CT never sits in memory whole.
 *
 * @throws {AiaaError} `AIAA_IO` when the file cannot be opened (missing, a directory, no permission).
 * @example
 * ```ts
 * const image = await openImageFile('/data/ct.nii.gz');
 * const session = await client.createSession(image);
 * ```
 */
export async function openImageFile(path: string, options: CallOptions = {}): Promise<Blob> {
  throwIfAborted(options.signal);
  try {
    const blob = await openAsBlob(path);
    // openAsBlob accepts directories; reading one fails only later, in the middle of an upload.
    await blob.slice(0, 1).arrayBuffer();
    return blob;
  } catch (error) {
    throw new AiaaError('AIAA_IO', `cannot open the image file: ${(error as { code?: string }).code ?? String(error)}`, {
      details: { reason: (error as { code?: string }).code },
      cause: error,
    });
  }
}
