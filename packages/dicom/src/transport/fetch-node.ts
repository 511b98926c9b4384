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
      // Node's streams keep backpressure: a reader that waits holds the socket, nothing piles up in memory.
      const stream = empty ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>);
      resolve(new Response(stream, { status, statusText: message.statusMessage ?? '', headers: responseHeaders }));
    });
    if (body instanceof Blob) Readable.fromWeb(body.stream() as unknown as NodeReadableStream<Uint8Array>).pipe(request);
    else request.end(body ?? undefined);
  });
