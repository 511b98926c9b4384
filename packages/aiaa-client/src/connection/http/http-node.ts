import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import type { CreateHttpBackend, HttpBackend, HttpBackendOptions, HttpRequest, HttpResponse } from './http-backend.js';

/** This build's HTTP stack. */
export const HTTP_PLATFORM = 'node';

/**
 * The Node back end: undici with connection reuse, through the caller's dispatcher (an SSH tunnel's agent)
 * or an agent of its own; uploads stream from the multipart body with progress.
 */
export const createHttpBackend: CreateHttpBackend = (options: HttpBackendOptions): HttpBackend => {
  const own = options.dispatcher
    ? undefined
    : new Agent({
        connect: {
          timeout: options.connectTimeoutMs,
          rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
          ...(options.tls?.ca === undefined ? {} : { ca: caList(options.tls.ca) }),
        },
        keepAliveTimeout: 30_000,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
  const dispatcher = (options.dispatcher as Dispatcher | undefined) ?? own!;
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      const { body } = req;
      const response = await request(req.url, {
        dispatcher,
        method: req.method,
        signal: req.signal,
        // The client's own call timeout bounds the exchange; undici's 300 s defaults would cut first inferences short.
        headersTimeout: 0,
        bodyTimeout: 0,
        headers: {
          ...req.headers,
          ...(body ? { 'content-type': body.contentType, 'content-length': String(body.length) } : {}),
          accept: '*/*',
        },
        body: body ? Readable.from(counted(body.chunks(), req.onUploaded), { objectMode: false }) : null,
      });
      const stream = response.body;
      return {
        status: response.statusCode,
        header: (name) => {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
        body: stream as AsyncIterable<Uint8Array>,
        discard: () => {
          if (stream.readableEnded) return;
          // undici's body emits an abort error when destroyed early; it is expected here, not a failure to report.
          stream.on('error', () => undefined);
          stream.destroy();
        },
      };
    },
    async close() {
      await own?.close();
    },
  };
};

async function* counted(chunks: AsyncIterable<Uint8Array>, onUploaded: (sent: number) => void): AsyncIterable<Uint8Array> {
  let sent = 0;
  for await (const chunk of chunks) {
    yield chunk;
    sent += chunk.byteLength;
    onUploaded(sent);
  }
}

function caList(ca: NonNullable<NonNullable<HttpBackendOptions['tls']>['ca']>): (string | Buffer)[] {
  const list = Array.isArray(ca) ? ca : [ca];
  return list.map((item: string | Uint8Array) => (typeof item === 'string' ? item : Buffer.from(item)));
}
