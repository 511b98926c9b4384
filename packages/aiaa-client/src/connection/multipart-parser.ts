import { AiaaError } from '../errors.js';
import { concatBytes, indexOfBytes, latin1Bytes, utf8 } from './bytes.js';

/** One part of a multipart reply. A part with a file name is a file (as `cgi.FieldStorage` decides); others are text fields. */
export interface MultipartPart {
  /** The `name` of its `Content-Disposition`, when present. */
  readonly name: string | undefined;
  /** The `filename` of its `Content-Disposition`; present (possibly empty) for file parts only. */
  readonly fileName: string | undefined;
  /** Its `Content-Type`, when present. */
  readonly contentType: string | undefined;
  /** Every header of the part, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The part's bytes. */
  readonly data: Uint8Array;
}

/** Limits that keep a hostile reply from making the parser hold unbounded state. */
export interface MultipartLimits {
  /** Bytes of headers per part. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Parts per reply. Default 64. */
  readonly maxParts?: number;
  /** Bytes of one file part (a part with a file name). Default: no limit beyond the caller's own. */
  readonly maxFileBytes?: number;
  /** Bytes of one text part (a part without a file name). Default: no limit beyond the caller's own. */
  readonly maxFieldBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * Takes the boundary out of a `multipart/*` content type. Quoted and unquoted boundaries are accepted,
 * including characters outside RFC 2046's set such as the `$` of the official Python client's
 * `----------lImIt_of_THE_fIle_eW_$`.
 *
 * @throws {AiaaError} `AIAA_INVALID_RESPONSE` when there is no usable boundary.
 * @example
 * ```ts
 * boundaryOf('multipart/form-data; boundary=----------lImIt_of_THE_fIle_eW_$'); // '----------lImIt_of_THE_fIle_eW_$'
 * ```
 */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*/i.exec(contentType);
  let boundary: string | undefined;
  if (match) {
    const rest = contentType.slice(match.index + match[0].length);
    if (rest.startsWith('"')) {
      const end = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      boundary = end?.[1]?.replace(/\\(.)/g, '$1');
    } else {
      boundary = rest.split(';')[0]?.trim();
    }
  }
  if (!boundary || boundary.length > 200 || /[\r\n]/.test(boundary)) {
    throw new AiaaError(
      'AIAA_INVALID_RESPONSE',
      `multipart reply without a usable boundary (content type "${contentType.slice(0, 200)}")`,
      {
        details: { contentType: contentType.slice(0, 200) },
      },
    );
  }
  return boundary;
}

/**
 * Parses a multipart body as it arrives, yielding each part as soon as its closing delimiter is seen.
 * Delimiters may follow CRLF or a bare LF (so with bare LFs, a CR that ends a part is taken as part of
 * the line end); transport padding after a delimiter is skipped. Only the
 * current part and a delimiter-sized tail are held in memory.
 *
 * @throws {AiaaError} `AIAA_INVALID_RESPONSE` for a missing first delimiter, bad part headers, too many
 *   parts, or a body that ends before the closing delimiter (a truncated reply); `AIAA_RESPONSE_TOO_LARGE`
 *   (`details: { option: 'maxFileBytes' | 'maxFieldBytes', limit, part }`) as soon as a part passes its limit.
 * @example
 * ```ts
 * for await (const part of parseMultipart(response.body, boundaryOf(contentType))) console.log(part.name);
 * ```
 */
export async function* parseMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  const maxParts = limits.maxParts ?? 64;
  // The body is treated as if it began with LF, so the first delimiter needs no special case.
  const delimiter = latin1Bytes(`\n--${boundary}`);
  let buf: Uint8Array = Uint8Array.of(LF);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let body: Uint8Array[] = [];
  let bodyBytes = 0;
  let partLimit = Number.POSITIVE_INFINITY;
  let headers: Record<string, string> = {};
  let parts = 0;
  const maxFileBytes = limits.maxFileBytes ?? Number.POSITIVE_INFINITY;
  const maxFieldBytes = limits.maxFieldBytes ?? Number.POSITIVE_INFINITY;

  const fail = (message: string): never => {
    throw new AiaaError('AIAA_INVALID_RESPONSE', `malformed multipart reply: ${message}`, { details: { parts } });
  };

  /** Adds bytes to the current part, refusing it the moment it passes its limit. */
  const grow = (bytes: Uint8Array): void => {
    bodyBytes += bytes.length;
    // One byte over: a part's last CR belongs to the line end before the delimiter and is dropped.
    if (bodyBytes > partLimit + 1) {
      const file = partLimit === maxFileBytes;
      const name = parseDisposition(headers['content-disposition'] ?? '').name;
      throw new AiaaError(
        'AIAA_RESPONSE_TOO_LARGE',
        `multipart reply: the ${file ? 'file' : 'text'} part ${JSON.stringify(name ?? '')} is larger than ${partLimit} bytes`,
        {
          details: { option: file ? 'maxFileBytes' : 'maxFieldBytes', limit: partLimit, part: name },
        },
      );
    }
    body.push(bytes);
  };

  const step = (): MultipartPart | 'more' | 'done' => {
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const at = indexOfBytes(buf, delimiter);
        if (at < 0) {
          const keep = Math.min(buf.length, delimiter.length);
          if (state === 'body' && buf.length > keep) grow(buf.subarray(0, buf.length - keep));
          buf = buf.subarray(buf.length - keep);
          return 'more';
        }
        const finished = state === 'body' ? finishPart(buf.subarray(0, at)) : undefined;
        buf = buf.subarray(at + delimiter.length);
        state = 'after-delimiter';
        if (finished) return finished;
        continue;
      }
      if (state === 'after-delimiter') {
        if (buf.length < 2) return 'more';
        if (buf[0] === DASH && buf[1] === DASH) {
          state = 'done';
          return 'done';
        }
        let i = 0;
        while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i += 1;
        if (i < buf.length && buf[i] !== CR && buf[i] !== LF)
          fail('a delimiter is followed by text (the boundary occurs inside the body?)');
        if (i >= buf.length - 1 && buf[i] !== LF) {
          if (i > 256) fail('a delimiter is followed by too much padding');
          return 'more';
        }
        if (buf[i] === CR && buf[i + 1] === LF) i += 2;
        else if (buf[i] === LF) i += 1;
        else fail('a delimiter is followed by text (the boundary occurs inside the body?)');
        buf = buf.subarray(i);
        state = 'headers';
        continue;
      }
      if (state === 'headers') {
        const end = headerEnd(buf);
        if (end === undefined) {
          if (buf.length > maxHeaderBytes) fail(`part headers longer than ${maxHeaderBytes} bytes`);
          return 'more';
        }
        if (end.headerBytes > maxHeaderBytes) fail(`part headers longer than ${maxHeaderBytes} bytes`);
        headers = parseHeaders(utf8(buf.subarray(0, end.headerBytes)), fail);
        parts += 1;
        if (parts > maxParts) fail(`more than ${maxParts} parts`);
        buf = buf.subarray(end.bodyStart);
        body = [];
        bodyBytes = 0;
        partLimit = parseDisposition(headers['content-disposition'] ?? '').filename !== undefined ? maxFileBytes : maxFieldBytes;
        state = 'body';
        continue;
      }
      return 'done';
    }
  };

  const finishPart = (last: Uint8Array): MultipartPart => {
    grow(last);
    let data = concatBytes(body);
    if (data.length > 0 && data[data.length - 1] === CR) data = data.subarray(0, data.length - 1);
    body = [];
    const disposition = parseDisposition(headers['content-disposition'] ?? '');
    return {
      name: disposition.name,
      fileName: disposition.filename,
      contentType: headers['content-type'],
      headers,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  };

  for await (const chunk of source) {
    buf = buf.length === 0 ? chunk : concatBytes([buf, chunk]);
    for (;;) {
      const result = step();
      if (result === 'more') break;
      if (result === 'done') return;
      yield result;
    }
  }
  if (state === 'preamble') fail('no delimiter found');
  fail('the reply ended before the closing delimiter (truncated)');
}

function headerEnd(buf: Uint8Array): { headerBytes: number; bodyStart: number } | undefined {
  // An empty header block: the part starts with its blank line.
  if (buf[0] === LF) return { headerBytes: 0, bodyStart: 1 };
  if (buf[0] === CR && buf.length > 1 && buf[1] === LF) return { headerBytes: 0, bodyStart: 2 };
  for (let i = buf.indexOf(LF); i >= 0 && i < buf.length - 1; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return { headerBytes: i, bodyStart: i + 2 };
    if (buf[i + 1] === CR && i + 2 < buf.length && buf[i + 2] === LF) return { headerBytes: i, bodyStart: i + 3 };
    if (buf[i + 1] === CR && i + 2 >= buf.length) return undefined;
  }
  return undefined;
}

function parseHeaders(text: string, fail: (message: string) => never): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) fail(`a part header without a name: "${line.slice(0, 80)}"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Reads `name` and `filename` (quoted, unquoted or RFC 5987 `filename*`) from a `Content-Disposition` value.
 */
export function parseDisposition(value: string): { name: string | undefined; filename: string | undefined } {
  const params: Record<string, string> = {};
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1]!.toLowerCase();
    params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
  }
  let filename = params['filename'];
  const extended = params['filename*'];
  if (extended !== undefined) {
    const ext = /^[^']*'[^']*'(.*)$/.exec(extended);
    try {
      filename = decodeURIComponent(ext?.[1] ?? extended);
    } catch {
      filename ??= extended;
    }
  }
  return { name: params['name'], filename };
}
