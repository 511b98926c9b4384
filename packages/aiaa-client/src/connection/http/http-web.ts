import { readableChunks } from '../bytes.js';
import type { CreateHttpBackend, HttpBackend, HttpRequest, HttpResponse } from './http-backend.js';

/** This build's HTTP stack. */
export const HTTP_PLATFORM = 'web';

/**
 * The browser (and worker, Deno, Bun) back end: `fetch`. The request body is a `Blob` assembled from the
 * multipart pieces, so an image given as a `File` is sent by the browser without a copy in JavaScript;
 * browsers do not report upload progress to `fetch`, so progress jumps to the end when the reply starts.
 * Connection reuse, timeouts of connecting and TLS are the browser's. Redirects are not followed, as in the
 * Node build: `fetch` would re-send the image and the headers (an api key) to wherever a server points.
 */
export const createHttpBackend: CreateHttpBackend = (): HttpBackend => ({
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { body } = req;
    const response = await fetch(req.url, {
      method: req.method,
      signal: req.signal,
      headers: { ...req.headers, ...(body ? { 'content-type': body.contentType } : {}), accept: '*/*' },
      ...(body ? { body: new Blob(body.parts() as BlobPart[]) } : {}),
      // AIAA servers have no cookies to send; a credentialed request would also need stricter CORS.
      credentials: 'omit',
      cache: 'no-store',
      // A 3xx comes back as it is (Node, Deno) or as an opaque redirect (browsers); the exchange refuses both.
      redirect: 'manual',
    });
    if (body) req.onUploaded(body.length);
    const stream = response.body;
    return {
      status: response.status,
      ...(response.type === 'opaqueredirect' ? { redirect: 'opaque' as const } : {}),
      header: (name) => response.headers.get(name) ?? undefined,
      body: stream ? readableChunks(stream) : (async function* () {})(),
      discard: () => {
        // Cancelling the stream releases the connection; a body already read (or locked and released) is left as is.
        if (stream && !stream.locked) void stream.cancel().catch(() => undefined);
      },
    };
  },
  async close() {
    // The browser owns the connections.
  },
});
