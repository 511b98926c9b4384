import { DicomwebError } from './dicomweb-error.js';

/**
 * A streaming multipart/related parser (RFC 2387 over RFC 2046) for WADO-RS answers: it holds one part
 * at a time, never the whole body, so a 300-instance series costs the memory of its largest instance.
 * Parts with a `Content-Length` are copied straight from the incoming chunks; parts without one are found by
 * scanning for the delimiter.
 */

/** One part of a multipart body: its headers (names lower-cased) and its bytes. */
export interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Limits of {@link parseMultipartRelated}. */
export interface MultipartLimits {
  /** The largest part accepted, in bytes. Default 2 GiB. */
  readonly maxPartBytes?: number;
  /** The largest header block of one part, in bytes. Default 64 KiB. */
  readonly maxHeaderBytes?: number;
}

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);
const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** The bytes of a stream as they arrive, with room to look ahead. */
class ByteQueue {
  private buf = new Uint8Array(64 * 1024);
  start = 0;
  end = 0;
  done = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  get size(): number {
    return this.end - this.start;
  }

  get bytes(): Uint8Array {
    return this.buf;
  }

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const size = this.size;
      if (size + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let capacity = this.buf.length;
        while (capacity < size + chunk.length) capacity *= 2;
        const grown = new Uint8Array(capacity);
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.start = 0;
      this.end = size;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Reads one more chunk from the source; false at its end. */
  async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.push(next.value);
    return true;
  }

  /** Whether at least `n` bytes are buffered, reading from the source as needed. */
  async ensure(n: number): Promise<boolean> {
    while (this.size < n) if (!(await this.more())) return false;
    return true;
  }

  /** Fills `target` exactly: first from the buffer, then straight from the source's chunks. */
  async readInto(target: Uint8Array): Promise<boolean> {
    let filled = Math.min(this.size, target.length);
    target.set(this.buf.subarray(this.start, this.start + filled));
    this.start += filled;
    while (filled < target.length) {
      if (this.done) return false;
      const next = await this.source.next();
      if (next.done) {
        this.done = true;
        return false;
      }
      const chunk = next.value;
      const take = Math.min(chunk.length, target.length - filled);
      target.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.push(chunk.subarray(take));
    }
    return true;
  }

  /** The position of `needle` in the buffer at or after `from`, or -1. */
  indexOf(needle: Uint8Array, from: number): number {
    const first = needle[0] as number;
    const last = this.end - needle.length;
    for (let i = this.buf.indexOf(first, from); i !== -1 && i <= last; i = this.buf.indexOf(first, i + 1)) {
      let j = 1;
      while (j < needle.length && this.buf[i + j] === needle[j]) j += 1;
      if (j === needle.length) return i;
    }
    return -1;
  }

  /** Finds `needle` at or after the start, reading as needed; -1 when the stream ends or `limit` bytes pass. */
  async find(needle: Uint8Array, limit: number): Promise<number> {
    let from = this.start;
    for (;;) {
      const at = this.indexOf(needle, from);
      if (at !== -1) return at;
      if (this.size > limit) return -2;
      from = Math.max(this.start, this.end - needle.length + 1);
      const offset = this.start;
      if (!(await this.more())) return -1;
      from += this.start - offset; // push() may have moved the bytes to the front
    }
  }
}

function interrupted(message: string): DicomwebError {
  return new DicomwebError('DICOMWEB_STREAM_INTERRUPTED', message);
}

function invalid(message: string): DicomwebError {
  return new DicomwebError('DICOMWEB_INVALID_RESPONSE', message);
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid(`malformed multipart part header line (${line.length} characters without a colon)`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Parses a multipart/related body as it streams in, yielding one part at a time.
 *
 * @throws {DicomwebError} `DICOMWEB_STREAM_INTERRUPTED` when the body ends before the closing delimiter or
 *   inside a part; `DICOMWEB_INVALID_RESPONSE` for malformed framing (no opening delimiter, bad header
 *   lines, a part not followed by a delimiter at its Content-Length); `DICOMWEB_RESPONSE_TOO_LARGE` for a
 *   part or header block over its limit.
 * @example
 * ```ts
 * for await (const part of parseMultipartRelated(chunks, boundary)) console.log(part.body.length);
 * ```
 */
export async function* parseMultipartRelated(
  chunks: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart, void, undefined> {
  const maxPartBytes = limits.maxPartBytes ?? 2 ** 31;
  const maxHeaderBytes = limits.maxHeaderBytes ?? 64 * 1024;
  if (boundary.length === 0 || boundary.length > 200) throw invalid(`multipart boundary of ${boundary.length} characters`);
  const iterator = chunks[Symbol.asyncIterator]();
  const queue = new ByteQueue(iterator);
  // The delimiter is CRLF "--" boundary; a CRLF put in front lets the first one match at the very start.
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  queue.push(new Uint8Array([13, 10]));
  try {
    const first = await queue.find(delimiter, maxHeaderBytes + delimiter.length);
    if (first === -1) {
      if (queue.size === 2) throw interrupted('the multipart body is empty');
      // A body that ends inside its first delimiter was cut off; one that never starts one is not multipart.
      if (endsInPrefix(queue.bytes.subarray(queue.start, queue.end), delimiter))
        throw interrupted('the body ended inside the first delimiter');
      throw invalid('no multipart delimiter in the body');
    }
    if (first === -2) throw invalid(`no multipart delimiter in the first ${maxHeaderBytes} bytes`);
    queue.start = first + delimiter.length;
    for (let index = 0; ; index += 1) {
      // After a delimiter: "--" closes the body; otherwise optional padding, then CRLF and a part.
      if (!(await queue.ensure(2))) throw interrupted(`the body ended after the delimiter before part ${index + 1}`);
      if (queue.bytes[queue.start] === 45 && queue.bytes[queue.start + 1] === 45) {
        // The epilogue (usually a CRLF) is read, so that an HTTP connection can be reused; a long one is cut.
        let epilogue = queue.size;
        while (epilogue < 64 * 1024 && (await queue.more())) epilogue = queue.size;
        return;
      }
      while ((await queue.ensure(1)) && queue.bytes[queue.start] !== 13) {
        const c = queue.bytes[queue.start];
        if (c !== 32 && c !== 9) throw invalid(`unexpected bytes after the delimiter of part ${index + 1}`);
        queue.start += 1;
      }
      if (!(await queue.ensure(2))) throw interrupted(`the body ended in the delimiter line of part ${index + 1}`);
      if (queue.bytes[queue.start + 1] !== 10) throw invalid(`the delimiter line of part ${index + 1} does not end with CRLF`);
      queue.start += 2;
      // Headers: up to an empty line (which may come at once: a part without headers).
      if (!(await queue.ensure(2))) throw interrupted(`the body ended in the headers of part ${index + 1}`);
      let headers: Record<string, string> = {};
      if (queue.bytes[queue.start] === 13 && queue.bytes[queue.start + 1] === 10) {
        queue.start += 2;
      } else {
        const end = await queue.find(CRLF_CRLF, maxHeaderBytes);
        if (end === -1) throw interrupted(`the body ended in the headers of part ${index + 1}`);
        if (end === -2) {
          throw new DicomwebError('DICOMWEB_RESPONSE_TOO_LARGE', `the headers of part ${index + 1} are over ${maxHeaderBytes} bytes`, {
            details: { option: 'maxHeaderBytes', limit: maxHeaderBytes },
          });
        }
        headers = parseHeaders(latin1.decode(queue.bytes.subarray(queue.start, end)));
        queue.start = end + 4;
      }
      const declared = headers['content-length'];
      let body: Uint8Array;
      if (declared !== undefined && /^\d{1,16}$/.test(declared)) {
        const length = Number(declared);
        if (length > maxPartBytes) throw tooLarge(index, maxPartBytes, length);
        body = new Uint8Array(length);
        if (!(await queue.readInto(body))) throw interrupted(`the body ended inside part ${index + 1} (Content-Length ${length})`);
        if (!(await queue.ensure(delimiter.length))) throw interrupted(`the body ended after part ${index + 1}`);
        if (queue.indexOf(delimiter, queue.start) !== queue.start) {
          throw invalid(`part ${index + 1} is not followed by a delimiter at its Content-Length (${length})`);
        }
      } else {
        const at = await queue.find(delimiter, maxPartBytes);
        if (at === -1) throw interrupted(`the body ended inside part ${index + 1}`);
        if (at === -2 || at - queue.start > maxPartBytes) throw tooLarge(index, maxPartBytes, undefined);
        body = queue.bytes.slice(queue.start, at);
        queue.start = at;
      }
      queue.start += delimiter.length;
      yield { headers, body };
    }
  } finally {
    // Stopping early (a consumer's break, an error) must release the source (e.g. cancel the HTTP body).
    if (!queue.done) await iterator.return?.();
  }
}

/** Whether `bytes` ends with the first 3 or more bytes of `needle` (or is all a prefix of CRLF + needle). */
function endsInPrefix(bytes: Uint8Array, needle: Uint8Array): boolean {
  for (let length = Math.min(needle.length - 1, bytes.length); length >= 3; length -= 1) {
    let match = true;
    for (let i = 0; i < length && match; i += 1) match = bytes[bytes.length - length + i] === needle[i];
    if (match) return true;
  }
  return false;
}

function tooLarge(index: number, limit: number, declared: number | undefined): DicomwebError {
  return new DicomwebError('DICOMWEB_RESPONSE_TOO_LARGE', `part ${index + 1} is over maxPartBytes (${limit} bytes)`, {
    details: { option: 'maxPartBytes', limit, ...(declared === undefined ? {} : { declared }) },
  });
}

/**
 * The boundary parameter of a multipart Content-Type header (quoted or not), or `undefined`.
 *
 * @example
 * ```ts
 * multipartBoundary('multipart/related; type="application/dicom"; boundary=abc'); // 'abc'
 * ```
 */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
