import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './errors.js';
import { parseRequestMultipart, type RequestPart } from './request-multipart.js';

/** Counts request bytes for the server's stats. */
export interface BodyCounter {
  bytesReceived: number;
}

/** How much of a body is read, and how long it may pause. */
export interface BodyLimits {
  readonly maxBytes: number;
  /** Longest pause between two chunks of the body before it is given up with 408. */
  readonly idleTimeoutMs: number;
}

/**
 * Reads a request body up to `maxBytes`: a declared or actual length above it is answered 413 before more
 * is read, and a body that stops arriving for `idleTimeoutMs` is answered 408 (it would otherwise hold its
 * upload turn). The whole body is held, as a test server may.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits, counter: BodyCounter): Promise<Buffer> {
  const { maxBytes } = limits;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes)
    throw new HttpProblem(413, `the request body has ${declared} bytes, more than the ${maxBytes} this server reads here`);
  // With a declared length the body goes straight into one buffer of that size: it is never held twice
  // (chunks, then their concatenation). Node's parser delivers no more than the declared length.
  const whole = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    const next = await withinIdle(iterator.next(), limits.idleTimeoutMs);
    if (next.done) break;
    const chunk = next.value;
    counter.bytesReceived += chunk.length;
    if (size + chunk.length > maxBytes)
      throw new HttpProblem(413, `the request body is larger than the ${maxBytes} bytes this server reads here`);
    if (whole && size + chunk.length <= whole.length) whole.set(chunk, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  if (whole && chunks.length === 0) return whole.subarray(0, size);
  return whole ? Buffer.concat([whole.subarray(0, size - chunks.reduce((n, c) => n + c.length, 0)), ...chunks]) : Buffer.concat(chunks);
}

/** Reads and parses a `multipart/form-data` request. */
export async function readMultipart(req: IncomingMessage, limits: BodyLimits, counter: BodyCounter): Promise<RequestPart[]> {
  const contentType = req.headers['content-type'] ?? '';
  return parseRequestMultipart(await readBody(req, limits, counter), contentType);
}

/** The next chunk, or 408 when none comes within `ms`. */
async function withinIdle<T>(next: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HttpProblem(408, `the upload sent nothing for ${ms} ms (limits.bodyIdleTimeoutMs)`)), ms);
  });
  try {
    return await Promise.race([next, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

const LINGER_MS = 2000;
const LINGER_BYTES = 256 << 20;

/**
 * Reads and drops the rest of a request whose body is refused, for a short while (bounded in time and
 * bytes), before the refusal is sent. A client still sending would otherwise see the connection closed under
 * it (a socket closed with unread input sends a reset, and the answer is lost), as it is when it asked for
 * `connection: close`. Resolves `true` when the body was read to its end.
 */
export function drainRefusedBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let dropped = 0;
    const finish = (whole: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer): void => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) finish(false);
    };
    const timer = setTimeout(() => finish(false), LINGER_MS);
    req.on('data', onData);
    req.once('end', () => finish(true));
    req.once('error', () => finish(false));
    req.resume();
  });
}
