import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './errors.js';
import { parseRequestMultipart, type RequestPart } from './request-multipart.js';

/** Counts request bytes for the server's stats. */
export interface BodyCounter {
  bytesReceived: number;
}

/**
 * Reads a request body up to `maxBytes`: a declared or actual length above it is answered 413 before more
 * is read. The whole body is held, as a test server may.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, counter: BodyCounter): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw new HttpProblem(413, `the request body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    counter.bytesReceived += chunk.length;
    if (size > maxBytes) throw new HttpProblem(413, `the request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a `multipart/form-data` request. */
export async function readMultipart(req: IncomingMessage, maxBytes: number, counter: BodyCounter): Promise<RequestPart[]> {
  const contentType = req.headers['content-type'] ?? '';
  return parseRequestMultipart(await readBody(req, maxBytes, counter), contentType);
}
