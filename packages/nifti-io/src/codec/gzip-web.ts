import { Gzip } from 'fflate';
import { NiftiError } from '../errors.js';
import type { GzipCodec } from './gzip-codec.js';

/**
 * The browser codec. Decompression uses the platform's native `DecompressionStream`; compression uses
 * fflate, because `CompressionStream` cannot set a level and masks are written at a measured level.
 */
export const codec: GzipCodec = {
  async *gunzip(source, signal) {
    const input = toReadableStream(source);
    const reader = input
      .pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
      .getReader();
    const onAbort = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          if (error instanceof NiftiError || isForeignSourceError(error)) throw error;
          throw gunzipError(error);
        }
        if (result.done) break;
        yield result.value;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      reader.releaseLock();
    }
    if (signal?.aborted) throw signal.reason;
  },
  async *gzip(source, level, signal) {
    const out: Uint8Array[] = [];
    const gz = new Gzip({ level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }, (chunk) => out.push(chunk));
    for await (const chunk of source) {
      if (signal?.aborted) throw signal.reason;
      // Compress in slices so a browser's main thread gets control back between them.
      for (let offset = 0; offset < chunk.length; offset += 1 << 20) {
        gz.push(chunk.subarray(offset, offset + (1 << 20)));
        yield* out.splice(0);
        await Promise.resolve();
      }
    }
    gz.push(new Uint8Array(0), true);
    yield* out.splice(0);
  },
};

/** Browsers report any inflate failure as a TypeError; Node's implementation keeps zlib's codes. */
function gunzipError(error: unknown): NiftiError {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code === 'Z_BUF_ERROR') {
    return new NiftiError('NIFTI_TRUNCATED', `the gzip stream ends before its end marker: the file is truncated (${message})`, {
      cause: error,
    });
  }
  return new NiftiError('NIFTI_CORRUPT_GZIP', `the gzip stream is corrupt: ${message}`, { cause: error });
}

function isForeignSourceError(error: unknown): boolean {
  return error instanceof Error && (error as { fromSource?: boolean }).fromSource === true;
}

function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (error instanceof Error) Object.defineProperty(error, 'fromSource', { value: true });
        controller.error(error);
      }
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
