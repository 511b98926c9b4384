import { createHash } from 'node:crypto';
import { readableChunks } from '../bytes.js';
import type { Sha256Hex } from './digest.js';

/**
 * SHA-256 with `node:crypto`, reading a `Blob` (e.g. a file opened with `openImageFile`) as a stream: a
 * 150 MiB CT is hashed without being held in memory.
 */
export const sha256Hex: Sha256Hex = async (data, options = {}) => {
  const hash = createHash('sha256');
  if (data instanceof Uint8Array) {
    hash.update(data);
  } else {
    for await (const chunk of readableChunks(data.stream())) {
      if (options.signal?.aborted) throw options.signal.reason;
      hash.update(chunk);
    }
  }
  return hash.digest('hex');
};
