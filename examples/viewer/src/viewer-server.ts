import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMedaasError, raceAbort, redactingLogger, throwIfAborted, type CallOptions, type Logger } from '@medaas/core';
import {
  connectAnnotationServer,
  type AnnotationImage,
  type AnnotationProtocol,
  type AnnotationServer,
} from '@medaas/aiaa-client/interactive';
import { isGzip, readNiftiHeader } from '@medaas/nifti-io';
import { parseDeepgrowClicks, type DeepgrowClicks } from './clicks.js';
import { ViewerError } from './errors.js';

/** The built page: the HTML and the bundled script it loads as `./viewer.js`. */
export interface ViewerPage {
  readonly html: string;
  readonly script: string;
}

/** Options of {@link startViewerServer}. */
export interface ViewerServerOptions extends CallOptions {
  /** The annotation server (AIAA v1 or MONAI Label), e.g. the local end of an SSH tunnel or `@medaas/aiaa-testkit`'s `url`. */
  readonly serverUrl: string | URL;
  /** Its protocol. Default `auto`: asked from the server. */
  readonly protocol?: AnnotationProtocol | 'auto';
  /** The image to show and segment: NIfTI bytes (`.nii` or `.nii.gz`). It is uploaded once (an AIAA session, or MONAI Label's datastore unless it has it). */
  readonly image: Uint8Array;
  /** The page to serve (see `build.mjs`). */
  readonly page: ViewerPage;
  /** The interactive model. Default: the first 3-D one the server lists (DeepGrow, DeepEdit), else the first. */
  readonly model?: string;
  /** A loopback address: the page's back end has no authentication. Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Receives request and AIAA events, with secrets redacted. Default: silent. */
  readonly logger?: Logger;
}

/** A running viewer: the page, the image and the DeepGrow endpoint on one loopback origin. */
export interface ViewerServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/`: open it in a browser. */
  readonly url: string;
  /** The interactive model clicks are sent to. */
  readonly model: string;
  /** The protocol the annotation server speaks. */
  readonly protocol: AnnotationProtocol;
  /** Stops listening, ends the image's session (if any) and closes the client. Idempotent. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Starts the viewer's back end on loopback: it serves the page, the image (`/volume`) and `POST
 * /api/deepgrow`, which takes `{ foreground, background }` voxel indices and answers the mask (NIfTI bytes)
 * from the common interactive interface of `@medaas/aiaa-client` (DeepGrow on AIAA; DeepGrow or DeepEdit on
 * MONAI Label). The annotation server is reached through an SSH tunnel on loopback, and an AIAA server has
 * no authentication, so the page talks to this same-origin back end and only the back end talks to it.
 *
 * @throws {ViewerError} `VIEWER_INVALID_OPTIONS` for a host that is not loopback or an image that is not
 * NIfTI; `VIEWER_LISTEN` when the port cannot be bound.
 * @throws {AiaaError} from connecting and listing the models (e.g. `AIAA_CONNECTION`, `AIAA_WRONG_PROTOCOL`).
 * @example
 * ```ts
 * await using server = await startTestServer({ protocol: 'monai-label' });
 * await using viewer = await startViewerServer({ serverUrl: server.url, image, page: await buildViewerPage() });
 * console.log(`open ${viewer.url}`);
 * ```
 */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const { signal } = options;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new ViewerError('VIEWER_INVALID_OPTIONS', `the viewer listens on loopback only (it has no authentication), not on "${host}"`, {
      details: { host },
    });
  }
  let dims: readonly number[];
  try {
    dims = (await readNiftiHeader(options.image, { signal })).dim.slice(1, 4);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ViewerError('VIEWER_INVALID_OPTIONS', `the image is not a readable NIfTI file: ${String(error)}`, { cause: error });
  }
  const logger = redactingLogger(options.logger);
  const client = await connectAnnotationServer({
    baseUrl: options.serverUrl,
    protocol: options.protocol ?? 'auto',
    logger,
    ...(signal ? { signal } : {}),
  });
  try {
    const model = options.model ?? (await pickModel(client, options));
    const deepgrow = createClickRunner(client, model, options.image);
    const server = createServer((request, response) => {
      handle(request, response, { page: options.page, image: options.image, dims, deepgrow, logger }).catch((error: unknown) => {
        logger.error('viewer: request failed', { error: String(error) });
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
        else response.destroy();
      });
    });
    const port = await listen(server, host, options.port ?? 0, signal);
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await deepgrow.close();
        await client.close();
      })());
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
      model,
      protocol: client.protocol,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

interface Context {
  readonly page: ViewerPage;
  readonly image: Uint8Array;
  readonly dims: readonly number[];
  readonly deepgrow: DeepgrowRunner;
  readonly logger: Logger;
}

async function handle(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const method = request.method ?? 'GET';
  if (path === '/api/deepgrow') {
    if (method !== 'POST') return sendJson(response, 405, { error: 'use POST' });
    return deepgrowRoute(request, response, context);
  }
  if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: 'use GET' });
  if (path === '/' || path === '/index.html') return send(response, 200, 'text/html; charset=utf-8', context.page.html);
  if (path === '/viewer.js') return send(response, 200, 'text/javascript; charset=utf-8', context.page.script);
  if (path === '/volume') {
    // NiiVue picks its reader by name; the page passes the bytes with a name that matches their content.
    const type = isGzip(context.image) ? 'application/gzip' : 'application/octet-stream';
    return send(response, 200, type, context.image);
  }
  if (path === '/favicon.ico') return send(response, 204, 'image/x-icon', '');
  return sendJson(response, 404, { error: `no such path: ${path}` });
}

async function deepgrowRoute(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  // The browser aborts a click's request when the user clicks again: stop the AIAA call too.
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort(new ViewerError('VIEWER_CONNECTION', 'the page closed the request'));
  });
  let clicks: DeepgrowClicks;
  try {
    const body = await readBody(request, MAX_BODY_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ViewerError('VIEWER_INVALID_CLICKS', 'the request body is not JSON', { details: { field: 'body' } });
    }
    clicks = parseDeepgrowClicks(json, context.dims);
  } catch (error) {
    if (isMedaasError(error, 'VIEWER_INVALID_CLICKS') || isMedaasError(error, 'VIEWER_HTTP_STATUS')) {
      const status = isMedaasError(error, 'VIEWER_HTTP_STATUS') ? Number(error.details['status']) : 400;
      return sendJson(response, status, { error: error.message, code: error.code });
    }
    throw error;
  }
  context.logger.info('viewer: deepgrow', { foreground: clicks.foreground.length, background: clicks.background.length });
  try {
    const mask = await context.deepgrow.run(clicks, controller.signal);
    send(response, 200, 'application/octet-stream', mask);
  } catch (error) {
    if (controller.signal.aborted) return;
    if (isMedaasError(error)) return sendJson(response, 502, { error: error.message, code: error.code });
    throw error;
  }
}

interface DeepgrowRunner {
  run(clicks: DeepgrowClicks, signal: AbortSignal): Promise<Uint8Array>;
  close(): Promise<void>;
}

function createClickRunner(server: AnnotationServer, model: string, image: Uint8Array): DeepgrowRunner {
  // The image is uploaded once; every click sends only points. A session the server dropped is re-created
  // by the interface itself, from the same bytes.
  let opened: Promise<AnnotationImage> | undefined;
  const open = (signal: AbortSignal): Promise<AnnotationImage> => {
    const pending = (opened ??= server.openImage(image, { signal }));
    pending.catch(() => {
      if (opened === pending) opened = undefined;
    });
    return raceAbort(pending, signal);
  };
  return {
    async run(clicks, signal) {
      const current = await open(signal);
      throwIfAborted(signal);
      return (await server.click(model, current, { foreground: clicks.foreground, background: clicks.background }, { signal })).mask;
    },
    async close() {
      const pending = opened;
      opened = undefined;
      if (!pending) return;
      try {
        await (await pending).close({ timeoutMs: 5000 });
      } catch {
        // A session expires on the server by itself; closing is a courtesy.
      }
    },
  };
}

async function pickModel(server: AnnotationServer, options: CallOptions): Promise<string> {
  const models = (await server.listModels({ signal: options.signal, timeoutMs: options.timeoutMs })).filter(
    (m) => m.kind === 'interactive',
  );
  const model = models.find((m) => m.dimension === 3) ?? models[0];
  if (!model)
    throw new ViewerError('VIEWER_INVALID_OPTIONS', 'the annotation server lists no interactive (click) model; pass `model`', {
      details: { models: 0 },
    });
  return model.name;
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit)
      throw new ViewerError('VIEWER_HTTP_STATUS', `the request body is larger than ${limit} bytes`, { details: { status: 413 } });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    'cache-control': 'no-store',
    // The page runs only its own script and talks only to its own origin.
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self' blob: data:",
    'x-content-type-options': 'nosniff',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json', JSON.stringify(value));
}

function listen(server: Server, host: string, port: number, signal: AbortSignal | undefined): Promise<number> {
  throwIfAborted(signal);
  const listening = new Promise<number>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new ViewerError('VIEWER_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`, { details: { host, port }, cause: error }),
      ),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  return raceAbort(listening, signal).catch((error: unknown) => {
    server.close();
    throw error;
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
