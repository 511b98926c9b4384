/**
 * The compression back end. `@medaas/nifti-io` picks one per platform through the package's `#gzip`
 * import map: Node's zlib (native, multi-member, on the thread pool) in Node, the web platform's
 * `DecompressionStream` plus fflate for leveled compression in browsers. See docs/adr/0001.
 */
export interface GzipCodec {
  /** Decompresses a gzip stream (all members), chunk by chunk. Rejects with `NIFTI_CORRUPT_GZIP`. */
  gunzip(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Compresses chunks into one gzip member at `level` (0-9). */
  gzip(source: AsyncIterable<Uint8Array>, level: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

/** Whether `bytes` starts with the gzip magic number (1f 8b), whatever the file is called. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The largest ratio deflate can reach (about 1032:1): no valid stream decompresses to more. */
export const MAX_DEFLATE_RATIO = 1032;
