import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { PlatformFetch } from './platform-fetch.js';

/**
 * Node: a `fetch` over `node:http`, for the one shape of call the DICOMweb client makes (a URL, method,
 * headers, an optional Blob body, a signal; redirects never followed). Why not the global `fetch`: PACS such
 * as Orthanc answer WADO-RS with `Connection: close` and a body delimited by the end of the connection, and
 * undici 7 (Node 20's fetch, and npm undici once any package loads it) crashes the process with an
 * uncatchable assertion when such a connection ends while a slow reader holds the body back
 * (nodejs/undici#5360, fixed only in undici 8 for Node 22). Node's own HTTP parser handles that end, keeps
 * backpressure, and measured faster on a 300-instance series. A caller's `fetch` or undici `dispatcher`
 * still wins (see `createDicomwebClient`).
 */
export const platformFetch: PlatformFetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const { signal } = init;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = init.body;
    if (body instanceof Blob) headers['content-length'] = String(body.size);
    else if (typeof body === 'string' || body instanceof Uint8Array) headers['content-length'] = String(Buffer.byteLength(body));
    else if (body !== undefined && body !== null) {
      reject(new TypeError('this fetch sends Blob, string or Uint8Array bodies only'));
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: init.method ?? 'GET', headers });
    const onAbort = (): void => {
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      // As the global fetch does: a TypeError whose cause carries the system error's code (ECONNREFUSED...).
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    });
    request.on('response', (message: IncomingMessage) => {
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) responseHeaders.append(message.rawHeaders[i]!, message.rawHeaders[i + 1]!);
      const status = message.statusCode ?? 0;
      const empty = status === 204 || status === 304 || init.method === 'HEAD';
      message.on('close', () => signal?.removeEventListener('abort', onAbort));
      if (empty) message.resume();
      const stream = empty ? null : bodyStream(message);
      resolve(new Response(stream, { status, statusText: message.statusMessage ?? '', headers: responseHeaders }));
    });
    if (body instanceof Blob) Readable.fromWeb(body.stream() as unknown as NodeReadableStream<Uint8Array>).pipe(request);
    else request.end(body ?? undefined);
  });

/** Bytes of a body allowed ahead of its reader before the socket is paused. */
const READ_AHEAD_BYTES = 8 * 2 ** 20;

/**
 * The body as a web stream with backpressure: the socket is paused once READ_AHEAD_BYTES wait unread, and
 * resumed when the reader asks for more, so a slow reader holds the connection rather than memory. Hand-made
 * rather than `Readable.toWeb`, whose one-chunk queue pauses and resumes the socket for every chunk (it
 * halved the throughput of a series retrieve).
 */
function bodyStream(message: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        message.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) message.pause();
        });
        message.on('end', () => controller.close());
        message.on('error', (error) => controller.error(error));
        message.on('aborted', () => controller.error(new Error('the connection closed before the body ended')));
      },
      pull() {
        message.resume();
      },
      cancel(reason) {
        message.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: READ_AHEAD_BYTES, size: (chunk) => chunk.byteLength },
  );
}
