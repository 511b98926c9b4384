import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * A failure MONAI Label answers with FastAPI's `HTTPException`: the status and `{"detail": ...}`. Errors
 * MONAI Label does not catch (an unknown model, an image it cannot load) are {@link InternalFailure}s.
 */
export class MonaiProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
}

/** An exception the server does not catch: uvicorn answers `500 text/plain` "Internal Server Error", the message goes to the log only. */
export class InternalFailure extends Error {}

/** The headers every uvicorn reply carries. */
function baseHeaders(): Record<string, string> {
  return { date: new Date().toUTCString(), server: 'uvicorn' };
}

/**
 * A JSON reply as FastAPI writes it: compact separators, `content-type: application/json`. A HEAD request
 * gets the headers only.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const body = Buffer.from(JSON.stringify(value === undefined ? null : value));
  res.writeHead(status, { ...baseHeaders(), ...headers, 'content-length': String(body.length), 'content-type': 'application/json' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** uvicorn's answer to an uncaught exception. */
export function sendInternalError(res: ServerResponse): void {
  const body = Buffer.from('Internal Server Error');
  res.writeHead(500, { ...baseHeaders(), 'content-length': String(body.length), 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** A text reply (logs). */
export function sendText(res: ServerResponse, text: string, contentType = 'text/plain; charset=utf-8'): void {
  const body = Buffer.from(text);
  res.writeHead(200, { ...baseHeaders(), 'content-length': String(body.length), 'content-type': contentType });
  res.end(body);
}

/**
 * A file as Starlette's `FileResponse` sends it: `content-disposition: attachment; filename="..."`, an etag
 * and `last-modified`, and the MIME type of its name (NIfTI and most others: `application/octet-stream`).
 */
export function sendFile(res: ServerResponse, data: Uint8Array, fileName: string, modifiedMs: number = Date.now()): void {
  const etag = createHash('md5').update(`${fileName}:${data.byteLength}:${modifiedMs}`).digest('hex');
  res.writeHead(200, {
    ...baseHeaders(),
    'content-type': mimeOf(fileName),
    'content-disposition': `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`,
    'content-length': String(data.byteLength),
    'last-modified': new Date(modifiedMs).toUTCString(),
    etag: `"${etag}"`,
  });
  res.end(res.req.method === 'HEAD' ? undefined : data);
}

/**
 * The multipart reply of `/infer/{model}` as MONAI Label builds it with requests-toolbelt's encoder: a
 * random hex boundary, the `params` JSON part (no file name) and then the `image` file part.
 */
export function sendInferMultipart(res: ServerResponse, params: unknown, image: Uint8Array, fileName: string): void {
  const boundary = randomUUID().replace(/-/g, '');
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="params"\r\nContent-Type: application/json\r\n\r\n${pythonJson(params)}\r\n`,
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${fileName}"\r\nContent-Type: ${mimeOf(fileName)}\r\n\r\n`,
    ),
    Buffer.from(image.buffer, image.byteOffset, image.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  res.writeHead(200, {
    ...baseHeaders(),
    'content-length': String(body.length),
    'content-type': `multipart/form-data; boundary=${boundary}`,
  });
  res.end(body);
}

/** JSON as Python's `json.dumps` writes it by default (`", "` and `": "` separators), as the params part is. */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => v).replace(
    /("(?:[^"\\]|\\.)*")|([,:])/g,
    (match, str: string | undefined, sep: string | undefined) => (str !== undefined ? str : sep === ',' ? ', ' : ': '),
  );
}

/** A temporary file name as Python's `tempfile` makes them, e.g. `tmpkjvogc86.nii.gz`. */
export function tempName(ext: string): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789_';
  const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => letters[b % letters.length]).join('');
  return `tmp${random}${ext}`;
}

function mimeOf(fileName: string): string {
  if (/\.zip$/i.test(fileName)) return 'application/zip';
  if (/\.json$/i.test(fileName)) return 'application/json';
  if (/\.dcm$/i.test(fileName)) return 'application/dicom';
  return 'application/octet-stream';
}
