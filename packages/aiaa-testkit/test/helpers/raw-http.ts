import { connect } from 'node:net';
import { PYTHON_CLIENT_BOUNDARY } from '@medaas/aiaa-testkit';

/** A reply as read off the socket. */
export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body parsed as JSON (throws when it is not JSON). */
  json(): Record<string, unknown>;
}

/** What {@link request} sends. */
export interface RawRequest {
  readonly body?: Uint8Array;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Rejects when the whole reply has not arrived within this time: the server hung. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Sends one HTTP/1.1 request over a raw socket (the path is sent exactly as given, `//` and broken
 * percent-escapes included) and reads the reply until the server closes. The body is written with
 * backpressure; a server that answers before reading all of it (413, 503) and closes is fine.
 */
export function request(port: number, method: string, path: string, options: RawRequest = {}): Promise<RawReply> {
  return heldRequest(port, method, path, { ...options, holdAt: Number.POSITIVE_INFINITY }).reply;
}

/** A request whose body stops after `holdAt` bytes until `release()`: an upload in progress, deterministically. */
export interface HeldRequest {
  /** Sends the rest of the body. */
  release(): void;
  /** Hangs up without waiting for the reply (which then rejects). */
  abort(): void;
  readonly reply: Promise<RawReply>;
}

/** Like {@link request}, but the body pauses after `holdAt` bytes until `release()` is called. */
export function heldRequest(port: number, method: string, path: string, options: RawRequest & { readonly holdAt: number }): HeldRequest {
  let control = { release: (): void => undefined, abort: (): void => undefined };
  const reply = new Promise<RawReply>((resolve, reject) => {
    control = sendRequest(port, method, path, options, resolve, reject);
  });
  return { release: () => control.release(), abort: () => control.abort(), reply };
}

function sendRequest(
  port: number,
  method: string,
  path: string,
  options: RawRequest & { readonly holdAt: number },
  resolve: (reply: RawReply) => void,
  reject: (error: Error) => void,
): { release: () => void; abort: () => void } {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const extra = Object.entries(options.headers ?? {})
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('');
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extra}` +
    (options.body
      ? `Content-Type: ${options.contentType ?? `multipart/form-data; boundary=${PYTHON_CLIENT_BOUNDARY}`}\r\nContent-Length: ${options.body.length}\r\n`
      : '') +
    '\r\n';
  {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${method} ${path.slice(0, 80)} within ${timeoutMs} ms: the server hung`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (the server closed an upload it refused) still leaves the answer read.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP reply to ${method} ${path.slice(0, 80)} (${all.length} bytes)`));
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      const body = all.subarray(split + 4);
      resolve({
        status: Number(lines[0]!.split(' ')[1]),
        headers,
        body,
        json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
      });
    });
    socket.write(head);
    const abort = (): void => {
      socket.destroy();
    };
    const data = options.body;
    if (!data) return { release: () => undefined, abort };
    let offset = 0;
    let limit = Math.min(options.holdAt, data.length);
    const pump = (): void => {
      while (offset < limit && !socket.destroyed) {
        const piece = data.subarray(offset, Math.min(limit, offset + (1 << 20)));
        offset += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    pump();
    return {
      release: () => {
        limit = data.length;
        pump();
      },
      abort,
    };
  }
}

/** A multipart body as the official Python client builds it: text fields first, then files, each part followed by CRLF. */
export function multipart(
  fields: Readonly<Record<string, string>>,
  files: Readonly<Record<string, readonly [string, Uint8Array]>> = {},
): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`));
  }
  for (const [key, [fileName, data]] of Object.entries(files)) {
    parts.push(
      Buffer.from(
        `--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="${key}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

/** A multipart body of several files under one field name (a DICOM series as one session). */
export function multipartFiles(field: string, files: readonly (readonly [string, Uint8Array])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [fileName, data] of files) {
    parts.push(
      Buffer.from(
        `--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}
