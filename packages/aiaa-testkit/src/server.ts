import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { lstat, unlink } from 'node:fs/promises';
import { drainRefusedBody } from './http-body.js';
import { connect, type AddressInfo } from 'node:net';
import { createAiaaFace } from './aiaa-face.js';
import { HttpProblem, TestkitError } from './errors.js';
import type { Face, FaceContext } from './face.js';
import { resolveLimits, type TestServerLimits } from './limits.js';
import { DEFAULT_TEST_MODELS, type TestModel } from './models.js';
import { createMonaiLabelFace, type MonaiLabelFaceOptions } from './monai-label/face.js';
import { DEFAULT_MONAI_LABEL_MODELS } from './monai-label/models.js';
import { parseRequestTarget } from './request-target.js';
import type { SessionLimits } from './sessions.js';
import { UploadGate } from './upload-gate.js';

/** Options of {@link startTestServer}. */
export interface TestServerOptions extends MonaiLabelFaceOptions {
  /**
   * The protocol served: `aiaa` (Clara AIAA v1, the default) or `monai-label` (MONAI Label's REST API, with a
   * datastore on disk, sessions, background training, active learning and optional authentication).
   */
  readonly protocol?: 'aiaa' | 'monai-label';
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** A loopback address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /**
   * Listen on this Unix socket instead of a TCP port: only processes allowed into its folder can connect,
   * which is how a server job keeps other users of a shared node out (put it in a folder of mode 0700). A
   * stale socket file left by a killed server is replaced. `url` is then `http://localhost` and
   * `socketPath` says where to connect.
   */
  readonly socketPath?: string;
  /** The models offered. Default {@link DEFAULT_TEST_MODELS} (AIAA) or {@link DEFAULT_MONAI_LABEL_MODELS} (MONAI Label). */
  readonly models?: readonly TestModel[];
  /** Serve under a path prefix, e.g. `/aiaa` (as behind a reverse proxy). Default none. */
  readonly basePath?: string;
  /** Session expiry and size limits. */
  readonly sessions?: SessionLimits;
  /**
   * Limits on the work one request may cause (body and decoded sizes, gzip expansion, concurrent uploads,
   * points, polygons, models, tasks), each answered with a 4xx or 503 and a message when reached; see
   * {@link TestServerLimits} for each and its default (sized for a 2-core machine with 24 GiB).
   */
  readonly limits?: TestServerLimits;
  /** Largest request body accepted, in bytes; larger ones get 413. The same as `limits.maxUploadBytes`, which wins. */
  readonly maxUploadBytes?: number;
  /**
   * AIAA: a bearer token the admin API (`/admin/...`) requires, as `Authorization: Bearer <token>` (401
   * otherwise). Default none: the AIAA contract has no authentication, and NVIDIA's server leaves the admin
   * API open to its `--admin_hosts`.
   */
  readonly adminToken?: string;
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
  /** Uploads (multipart requests) being read or computed now: at most `limits.maxConcurrentUploads`. */
  readonly uploads: number;
  /** Uploads waiting for a turn: at most `limits.maxQueuedUploads`. */
  readonly queuedUploads: number;
}

/** A running test server. `close()` is idempotent. */
export interface TestServer extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:41234` (with the base path, without a trailing slash). */
  readonly url: string;
  /** The port listened on (0 on a Unix socket). */
  readonly port: number;
  /** The Unix socket listened on, when `socketPath` was given. */
  readonly socketPath?: string;
  /** The protocol served. */
  readonly protocol: 'aiaa' | 'monai-label';
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
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TestkitError('TESTKIT_INVALID_OPTIONS', `bad port ${port}`, { details: { port } });
  const protocol = options.protocol ?? 'aiaa';
  if (protocol !== 'aiaa' && protocol !== 'monai-label')
    throw new TestkitError('TESTKIT_INVALID_OPTIONS', `unknown protocol "${String(protocol)}"`, { details: { protocol } });
  const models = new Map<string, TestModel>();
  for (const model of options.models ?? (protocol === 'aiaa' ? DEFAULT_TEST_MODELS : DEFAULT_MONAI_LABEL_MODELS)) {
    if (models.has(model.name))
      throw new TestkitError('TESTKIT_INVALID_OPTIONS', `duplicate model name "${model.name}"`, { details: { model: model.name } });
    models.set(model.name, model);
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const limits = resolveLimits(options.limits, options.maxUploadBytes);
  if (options.adminToken !== undefined && (typeof options.adminToken !== 'string' || !/^\S{1,4096}$/.test(options.adminToken))) {
    throw new TestkitError('TESTKIT_INVALID_OPTIONS', 'adminToken must be a non-empty string without spaces', {
      details: { adminToken: '[redacted]' },
    });
  }
  const counters = { requests: 0, bytesReceived: 0, busyMs: 0 };
  const context: FaceContext = {
    limits,
    maxSessionBytes: options.sessions?.maxSessionBytes ?? 2 * 1024 ** 3,
    sessionLimits: options.sessions ?? {},
    clock: options.clock ?? Date.now,
    counters,
    adminToken: options.adminToken,
  };
  const face: Face = protocol === 'aiaa' ? createAiaaFace(context, models) : await createMonaiLabelFace(context, models, options);
  const gate = new UploadGate(limits.maxConcurrentUploads, limits.maxQueuedUploads, limits.uploadQueueTimeoutMs);

  const allowedOrigin = (origin: string | undefined): boolean =>
    origin !== undefined && (options.corsOrigins === '*' || (options.corsOrigins ?? []).includes(origin));

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const answer = (): void => {
        if (error instanceof HttpProblem) face.problem(res, error.status, error.message, error.headers);
        else face.problem(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      };
      // An answer before the upload was read: the rest is dropped first (bounded), then the answer goes;
      // a body that did not end in time closes the connection after it.
      if (req.complete) return answer();
      void drainRefusedBody(req).then((whole) => {
        if (!whole) res.setHeader('connection', 'close');
        answer();
        if (!whole) res.on('finish', () => req.destroy());
      });
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const url = parseRequestTarget(req.url ?? '/');
    if (basePath && !url.pathname.startsWith(`${basePath}/`)) throw new HttpProblem(404, `no such endpoint: ${url.pathname}`);
    const path = url.pathname.slice(basePath.length);
    const method = req.method ?? 'GET';
    if (allowedOrigin(req.headers.origin)) {
      res.setHeader('access-control-allow-origin', req.headers.origin!);
      res.setHeader('vary', 'Origin');
      // A page may read the name of a downloaded file.
      res.setHeader('access-control-expose-headers', 'content-disposition');
      if (method === 'OPTIONS') {
        // A preflight: what a page may send (multipart and JSON bodies, every method of the contracts).
        // The page's own headers (an authorization header, say) are allowed as asked.
        const asked = String(req.headers['access-control-request-headers'] ?? '').replace(/[^\w\-, ]/g, '');
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE',
          'access-control-allow-headers': asked || 'content-type, accept',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    // Uploads take turns: their bodies, decoded images and computations are what fills memory.
    let release: (() => void) | undefined;
    if (/^multipart\//i.test(String(req.headers['content-type'] ?? '').trim())) {
      // A client that hangs up while waiting gives its place in the queue back.
      const gone = new AbortController();
      const onClose = (): void => gone.abort(new Error('the client closed the connection'));
      res.once('close', onClose);
      try {
        release = await gate.acquire(gone.signal);
      } finally {
        res.off('close', onClose);
      }
    }
    try {
      await face.handle(req, res, path, url.query, method);
    } finally {
      release?.();
    }
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: toPem(options.tls.key), cert: toPem(options.tls.cert) }, handler)
    : createHttpServer(handler);
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, limits.requestTimeoutMs);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const socketPath = options.socketPath;
  if (socketPath !== undefined) await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    const where = socketPath ?? `${host}:${port}`;
    const onError = (error: Error): void =>
      reject(
        new TestkitError('TESTKIT_LISTEN', `the test server cannot listen on ${where}: ${error.message}`, {
          details: { host, port, socketPath },
          cause: error,
        }),
      );
    server.once('error', onError);
    const listening = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (socketPath !== undefined) server.listen(socketPath, listening);
    else server.listen(port, host, listening);
  });
  const scheme = options.tls ? 'https' : 'http';
  let url: string;
  let boundPort = 0;
  if (socketPath !== undefined) {
    url = `${scheme}://localhost${basePath}`;
  } else {
    const address = server.address() as AddressInfo;
    const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    boundPort = address.port;
    url = `${scheme}://${hostPart}:${address.port}${basePath}`;
  }
  let closing: Promise<void> | undefined;
  const handle_: TestServer = {
    url,
    port: boundPort,
    ...(socketPath !== undefined ? { socketPath } : {}),
    protocol,
    stats: () => ({
      requests: counters.requests,
      bytesReceived: counters.bytesReceived,
      sessions: face.sessions(),
      busyMs: counters.busyMs,
      uploads: gate.active,
      queuedUploads: gate.queued,
    }),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await face.close();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return handle_.close();
    },
  };
  return handle_;
}

/** A socket file nobody listens on (a killed server's) would make `listen` fail with EADDRINUSE. */
async function removeStaleSocket(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  if (!info.isSocket())
    throw new TestkitError('TESTKIT_INVALID_OPTIONS', `${path} exists and is not a socket`, { details: { socketPath: path } });
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path, () => {
      probe.end();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (alive) throw new TestkitError('TESTKIT_LISTEN', `another server listens on ${path}`, { details: { socketPath: path } });
  await unlink(path);
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
