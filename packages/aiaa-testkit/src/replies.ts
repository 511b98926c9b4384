import type { ServerResponse } from 'node:http';

/**
 * The boundary of the official Python client, unquoted and with a `$` outside RFC 2046's set. Replies use
 * it too, so that every client tested against this server proves it accepts the quirk.
 */
export const PYTHON_CLIENT_BOUNDARY = '----------lImIt_of_THE_fIle_eW_$';

/** Sends a JSON reply with an exact `Content-Length` (HTTP/1.0 clients need it). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** One part of a multipart reply. */
export interface ReplyPart {
  readonly name: string;
  readonly fileName?: string;
  readonly contentType: string;
  readonly data: Uint8Array;
}

/** Sends a `multipart/form-data` reply: text parts first, then files, each followed by CRLF, as AIAA servers do. */
export function sendMultipart(res: ServerResponse, parts: readonly ReplyPart[]): void {
  let boundary = PYTHON_CLIENT_BOUNDARY;
  // A boundary must not occur in the data; the quirky one is kept unless a part happens to contain it.
  for (let n = 0; parts.some((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).includes(`--${boundary}`)); n += 1) {
    boundary = `${PYTHON_CLIENT_BOUNDARY}${n}`;
  }
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.fileName === undefined ? '' : `; filename="${part.fileName}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\nContent-Type: ${part.contentType}\r\n\r\n`,
      ),
    );
    chunks.push(Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length });
  res.end(body);
}
