import type { Sha256Hex } from './digest.js';

/**
 * SHA-256 with the Web Crypto API. `crypto.subtle.digest` takes the whole input at once (browsers offer no
 * incremental digest), so a `Blob` is read into memory for the time of the hash.
 */
export const sha256Hex: Sha256Hex = async (data, options = {}) => {
  if (options.signal?.aborted) throw options.signal.reason;
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  if (options.signal?.aborted) throw options.signal.reason;
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
};
