import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { adminInfo, modelFromUpload } from './admin.js';
import { HttpProblem, TestkitError } from './errors.js';
import { MODEL_ENDPOINTS, decodeImage, firstFile, fixPolygon, paramsOf, pngAsVolume, polygonsOf, runModel } from './endpoints.js';
import { decodePng, isPng } from './png.js';
import { DEFAULT_TEST_MODELS, describeModel, type TestModel } from './models.js';
import { sendJson, sendMultipart } from './replies.js';
import { parseRequestMultipart, type RequestPart } from './request-multipart.js';
import { SessionStore, type SessionLimits } from './sessions.js';

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** A loopback address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The models offered. Default {@link DEFAULT_TEST_MODELS}. */
  readonly models?: readonly TestModel[];
  /** Serve under a path prefix, e.g. `/aiaa` (as behind a reverse proxy). Default none. */
  readonly basePath?: string;
  /** Session expiry and size limits. */
  readonly sessions?: SessionLimits;
  /** Largest request body accepted, in bytes; larger ones get 413. Default 2 GiB. */
  readonly maxUploadBytes?: number;
  /** The clock sessions expire by, in epoch milliseconds. Default `Date.now`; inject one to test expiry without waiting. */
  readonly clock?: () => number;
  /** Serve HTTPS with this PEM key and certificate instead of HTTP. */
  readonly tls?: { readonly key: string | Uint8Array; readonly cert: string | Uint8Array };
  /**
   * Web pages allowed to call the server from a browser (CORS), e.g. `['http://127.0.0.1:8080']`, or `'*'`
   * for any. Default none: browsers refuse cross-origin replies, as they would from a server without CORS.
   */
  readonly corsOrigins?: readonly string[] | '*';
}

/** Counters of a running test server, for tests and benchmarks. */
export interface TestServerStats {
  /** Requests answered. */
  readonly requests: number;
  /** Request body bytes received. */
  readonly bytesReceived: number;
  /** Live sessions. */
  readonly sessions: number;
  /** Milliseconds spent decoding inputs, running models and encoding masks (not receiving uploads). */
  readonly busyMs: number;
}

/** A running test server. `close()` is idempotent. */
export interface TestServer extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:41234` (with the base path, without a trailing slash). */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** Request and byte counters. */
  stats(): TestServerStats;
  /** Stops listening, ends open connections and drops the sessions. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP(S) server that speaks the AIAA v1 contract as NVIDIA's server does, closely enough for
 * the unmodified official clients: `/v1/models` (with `label`, `type`, and the single-object `?model=`),
 * `/session/` with expiry (440 once expired), segmentation, dextr3d, deepgrow, inference, mask2polygon and
 * fixpolygon. Its models are classical algorithms (see {@link TestModel}); masks come back on the
 * uploaded image's exact grid. Bad requests get 4xx with `{ "error": message }`, never a crash.
 *
 * @throws {TestkitError} `TESTKIT_INVALID_OPTIONS` for a non-loopback host, a bad port or duplicate model
 *   names; `TESTKIT_LISTEN` when the port cannot be bound.
 * @example
 * ```ts
 * await using server = await startTestServer();
 * const client = createAiaaClient({ baseUrl: server.url });
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/.test(host)) {
    throw new TestkitError('TESTKIT_INVALID_OPTIONS', `the test server listens on loopback only, not "${host}"`, { details: { host } });
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TestkitError('TESTKIT_INVALID_OPTIONS', `bad port ${port}`, { details: { port } });
  const models = new Map<string, TestModel>();
  for (const model of options.models ?? DEFAULT_TEST_MODELS) {
    if (models.has(model.name)) throw new TestkitError('TESTKIT_INVALID_OPTIONS', `duplicate model name "${model.name}"`, { details: { model: model.name } });
    models.set(model.name, model);
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const maxUploadBytes = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const store = new SessionStore(options.sessions ?? {}, options.clock ?? Date.now);
  const counters = { requests: 0, bytesReceived: 0, busyMs: 0 };

  const allowedOrigin = (origin: string | undefined): boolean =>
    origin !== undefined && (options.corsOrigins === '*' || (options.corsOrigins ?? []).includes(origin));

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      // An answer before the upload was read: close afterwards rather than read a body nobody needs.
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      if (error instanceof HttpProblem) {
        if (error.status === 413) res.setHeader('connection', 'close');
        if (!res.headersSent) sendJson(res, error.status, { error: error.message });
        else res.destroy();
        if (error.status === 413) req.destroy();
      } else if (!res.headersSent) {
        sendJson(res, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
      } else {
        res.destroy();
      }
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (basePath && !url.pathname.startsWith(`${basePath}/`)) throw new HttpProblem(404, `no such endpoint: ${url.pathname}`);
    const path = url.pathname.slice(basePath.length);
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    if (allowedOrigin(req.headers.origin)) {
      res.setHeader('access-control-allow-origin', req.headers.origin!);
      res.setHeader('vary', 'Origin');
      if (method === 'OPTIONS') {
        // A preflight: what a page may send (multipart bodies, every method of the contract).
        // The page's own headers (an authorization header for a proxy, say) are allowed as asked.
        const asked = String(req.headers['access-control-request-headers'] ?? '').replace(/[^\w\-, ]/g, '');
        res.writeHead(204, { 'access-control-allow-methods': 'GET, PUT, POST, DELETE', 'access-control-allow-headers': asked || 'content-type, accept', 'access-control-max-age': '600' });
        res.end();
        return;
      }
    }

    if (path === '/v1/models') {
      allow(method, ['GET']);
      const name = query.get('model');
      if (name !== null) {
        const model = models.get(name);
        if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
        return sendJson(res, 200, describeModel(model));
      }
      const label = query.get('label')?.toLowerCase();
      const type = query.get('type');
      const list = [...models.values()].filter(
        (m) => (!label || (m.labels ?? ['object']).some((l) => l.toLowerCase() === label)) && (!type || m.type === type),
      );
      return sendJson(res, 200, list.map(describeModel));
    }

    if (path === '/session' || path === '/session/') {
      allow(method, ['PUT', 'POST']);
      const expiry = Number(query.get('expiry') ?? 0);
      if (!Number.isFinite(expiry) || expiry < 0) throw new HttpProblem(400, 'expiry must be a non-negative number of seconds');
      const parts = await readMultipart(req);
      const volume = await decodeImage(firstFile(parts));
      const bytes = volume.data.byteLength;
      if (bytes > (options.sessions?.maxSessionBytes ?? 2 * 1024 ** 3)) throw new HttpProblem(413, 'the image is larger than the session store allows');
      const session = store.create(volume, bytes, Math.floor(expiry));
      return sendJson(res, 200, sessionInfo(session.id));
    }

    const adminMatch = /^\/admin\/model\/([^/]+)\/?$/.exec(path);
    if (adminMatch) {
      allow(method, ['GET', 'PUT', 'DELETE']);
      const name = decodeURIComponent(adminMatch[1]!);
      if (method === 'PUT') {
        // Built and checked in full before the map changes: a refused model leaves the old one serving.
        const model = modelFromUpload(name, await readMultipart(req));
        models.set(name, model);
        return sendJson(res, 200, adminInfo(model));
      }
      const model = models.get(name);
      if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
      if (method === 'DELETE') models.delete(name);
      return sendJson(res, 200, method === 'DELETE' ? {} : adminInfo(model));
    }

    const sessionMatch = /^\/session\/([^/]+)\/?$/.exec(path);
    if (sessionMatch) {
      allow(method, ['GET', 'DELETE']);
      const id = decodeURIComponent(sessionMatch[1]!);
      if (method === 'DELETE') {
        if (!store.delete(id)) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
        return sendJson(res, 200, {});
      }
      sessionOrExpired(id);
      return sendJson(res, 200, sessionInfo(id));
    }

    const endpoint = /^\/v1\/(segmentation|dextr3d|deepgrow|inference|mask2polygon|fixpolygon)\/?$/.exec(path)?.[1];
    if (!endpoint) throw new HttpProblem(404, `no such endpoint: ${path}`);
    allow(method, ['POST']);
    if (endpoint === 'mask2polygon' || endpoint === 'fixpolygon') {
      const parts = await readMultipart(req);
      const params = paramsOf(parts);
      const file = firstFile(parts);
      // The official clients send a 2-D fixpolygon image as PNG; the mask then goes back as PNG too.
      const png = endpoint === 'fixpolygon' && isPng(file.data);
      const volume = png ? pngAsVolume(decodePng(file.data)) : await decodeImage(file);
      if (endpoint === 'mask2polygon') return sendJson(res, 200, polygonsOf(volume, params));
      return sendMultipart(res, await fixPolygon(volume, params, { png }));
    }
    const name = query.get('model');
    if (!name) throw new HttpProblem(400, 'the model query parameter is required');
    const model = models.get(name);
    if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
    const accepted = MODEL_ENDPOINTS[endpoint]!;
    if (accepted !== 'any' && !accepted.includes(model.type)) {
      throw new HttpProblem(400, `model "${name}" is a ${model.type} model; /v1/${endpoint} takes ${accepted.join(', ')} models`);
    }
    if (model.algorithm === 'statistics' && endpoint !== 'inference') throw new HttpProblem(400, `model "${name}" runs through /v1/inference only`);
    const parts = await readMultipart(req);
    const started = performance.now();
    try {
      const params = paramsOf(parts);
      const sessionId = query.get('session_id');
      // The session is looked up before the upload is decoded: an expired session must answer 440, not 400.
      const volume = sessionId ? sessionOrExpired(sessionId).volume : await decodeImage(firstFile(parts));
      const reply = await runModel(model, volume, params);
      if (reply.kind === 'json') return sendJson(res, 200, reply.value);
      return sendMultipart(res, reply.parts);
    } finally {
      counters.busyMs += performance.now() - started;
    }
  };

  const sessionOrExpired = (id: string) => {
    const found = store.get(id);
    if ('missing' in found) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
    return found.session;
  };

  const sessionInfo = (id: string): Record<string, unknown> => {
    const found = store.get(id);
    if ('missing' in found) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
    const { session } = found;
    return {
      session_id: session.id,
      expiry: session.expirySec,
      created_ts: Math.floor(session.createdMs / 1000),
      expiry_ts: Math.floor(store.expiresAtMs(session) / 1000),
      image: { dims: [...session.volume.dims], datatype: session.volume.datatype, bytes: session.bytes },
    };
  };

  const readMultipart = async (req: IncomingMessage): Promise<RequestPart[]> => {
    const contentType = req.headers['content-type'] ?? '';
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxUploadBytes) throw new HttpProblem(413, `the request body is larger than ${maxUploadBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      counters.bytesReceived += chunk.length;
      if (size > maxUploadBytes) throw new HttpProblem(413, `the request body is larger than ${maxUploadBytes} bytes`);
      chunks.push(chunk);
    }
    return parseRequestMultipart(Buffer.concat(chunks), contentType);
  };

  const server: Server = options.tls ? createHttpsServer({ key: toPem(options.tls.key), cert: toPem(options.tls.cert) }, handler) : createHttpServer(handler);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new TestkitError('TESTKIT_LISTEN', `the test server cannot listen on ${host}:${port}: ${error.message}`, { details: { host, port }, cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const handle_: TestServer = {
    url: `${scheme}://${hostPart}:${address.port}${basePath}`,
    port: address.port,
    stats: () => ({ requests: counters.requests, bytesReceived: counters.bytesReceived, sessions: store.size, busyMs: counters.busyMs }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        store.clear();
      });
      return closing;
    },
    [Symbol.asyncDispose]() {
      return handle_.close();
    },
  };
  return handle_;
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw new HttpProblem(405, `method ${method} is not allowed here (${methods.join(', ')})`);
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
