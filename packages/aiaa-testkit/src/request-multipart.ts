import { HttpProblem } from './errors.js';

/** Part headers are a few lines; as HTTP headers, more than this is refused. */
const MAX_PART_HEADER_BYTES = 16 * 1024;

/** Parts in one request: the clients send two or three (a DICOM series as a session, a few dozen). */
const MAX_PARTS = 64;

/** One part of a multipart request. */
export interface RequestPart {
  readonly name: string | undefined;
  readonly fileName: string | undefined;
  readonly data: Buffer;
}

/**
 * Parses a buffered `multipart/form-data` request. The boundary may be unquoted and contain characters
 * outside RFC 2046's set (the official Python client uses `----------lImIt_of_THE_fIle_eW_$`); lines may
 * end with CRLF or LF.
 */
export function parseRequestMultipart(body: Buffer, contentType: string): RequestPart[] {
  const boundary = requestBoundary(contentType);
  const open = Buffer.from(`--${boundary}`, 'latin1');
  const next = Buffer.from(`\n--${boundary}`, 'latin1');
  let at = body.indexOf(open);
  if (at < 0) throw new HttpProblem(400, 'multipart body without its boundary');
  at += open.length;
  const parts: RequestPart[] = [];
  for (;;) {
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    while (body[at] === 0x20 || body[at] === 0x09) at += 1;
    if (body[at] === 0x0d) at += 1;
    if (body[at] !== 0x0a) throw new HttpProblem(400, 'malformed multipart body (no line break after a boundary, or truncated)');
    at += 1;
    const headerEnd = findHeaderEnd(body, at);
    if (!headerEnd) throw new HttpProblem(400, 'malformed multipart body (part headers do not end)');
    if (headerEnd.headerEnd - at > MAX_PART_HEADER_BYTES)
      throw new HttpProblem(400, `malformed multipart body (part headers longer than ${MAX_PART_HEADER_BYTES} bytes)`);
    const headers = body.subarray(at, headerEnd.headerEnd).toString('utf8');
    const end = body.indexOf(next, headerEnd.bodyStart);
    if (end < 0) throw new HttpProblem(400, 'truncated multipart body (no closing boundary)');
    const dataEnd = end > headerEnd.bodyStart && body[end - 1] === 0x0d ? end - 1 : end;
    const disposition = /content-disposition:([^\n]*)/i.exec(headers)?.[1] ?? '';
    parts.push({
      name: param(disposition, 'name'),
      fileName: param(disposition, 'filename'),
      data: body.subarray(headerEnd.bodyStart, dataEnd),
    });
    if (parts.length > MAX_PARTS) throw new HttpProblem(413, `more than ${MAX_PARTS} multipart parts`);
    at = end + next.length;
  }
}

/** The boundary of a multipart content type, quoted or not. */
export function requestBoundary(contentType: string): string {
  if (!/^multipart\/form-data/i.test(contentType.trim()))
    throw new HttpProblem(415, `expected multipart/form-data, got "${contentType.slice(0, 80)}"`);
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;]*))/i.exec(contentType);
  const boundary = (m?.[1] ?? m?.[2] ?? '').trim();
  if (!boundary || boundary.length > 200) throw new HttpProblem(400, 'multipart content type without a boundary');
  return boundary;
}

function findHeaderEnd(body: Buffer, from: number): { headerEnd: number; bodyStart: number } | undefined {
  if (body[from] === 0x0a) return { headerEnd: from, bodyStart: from + 1 };
  if (body[from] === 0x0d && body[from + 1] === 0x0a) return { headerEnd: from, bodyStart: from + 2 };
  const crlf = body.indexOf('\r\n\r\n', from);
  const lf = body.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

function param(disposition: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\r]*))`, 'i').exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim();
}
