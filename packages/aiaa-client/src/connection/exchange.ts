import { createProgressReporter, isMedaasError, retry, withCallScope, type Logger, type ProgressCallback } from '@medaas/core';
import { AiaaError, type AiaaErrorCode } from '../errors.js';
import type { RequestBody } from './body.js';
import { concatBytes, utf8 } from './bytes.js';
import type { HttpBackend, HttpMethod, HttpResponse } from './http/http-backend.js';
import { boundaryOf, parseDisposition, parseMultipart, type MultipartPart } from './multipart-parser.js';
import { scrubberFor, type Scrubber } from './secrets.js';

/** How many attempts idempotent calls get, and how long to wait between them. */
export interface AiaaRetryOptions {
  /** Further attempts after the first. Default 2. */
  readonly retries?: number;
  /** First delay in milliseconds. Default 250. */
  readonly minDelayMs?: number;
  /** Longest delay in milliseconds. Default 5000. */
  readonly maxDelayMs?: number;
}

/** What an exchange needs to know about the server and the connection. */
export interface TransportConfig {
  readonly baseUrl: URL;
  /** The protocol's name in log lines (`aiaa`, `monai-label`). */
  readonly protocol: string;
  /** The platform's HTTP stack (undici in Node, `fetch` in browsers). */
  readonly http: HttpBackend;
  /** Extra headers of every request (checked, lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly limits: ReplyLimits;
  readonly retry: AiaaRetryOptions | false;
  /** Values that must never appear in an error message (header values, tokens), even when a server echoes them. */
  readonly secrets: () => readonly string[];
}

/** The reply limits of a connection, in bytes (see `ConnectionOptions`). */
export interface ReplyLimits {
  /** JSON replies, text parts, and every reply of a metadata call. */
  readonly json: number;
  /** One image or mask: a file part, or a reply that is the file; a multipart reply may hold twice this. */
  readonly volume: number;
  /** Every reply; the only bound of file downloads that are not volumes (model weights, dataset archives). */
  readonly response: number;
}

/**
 * Which limit a reply is held to: `metadata` (JSON and text only), `volume` (a model call or an image
 * download: JSON, one volume, or a multipart reply of volumes), `file` (any file up to the reply limit).
 */
export type ReplyKind = 'metadata' | 'volume' | 'file';

/** One HTTP exchange with a server. */
export interface ExchangeSpec {
  readonly operation: string;
  readonly method: HttpMethod;
  /** The path below the base URL, e.g. `/v1/models`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: RequestBody | undefined;
  /** Headers of this request only (e.g. `authorization`), on top of the connection's. Never logged. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Only idempotent exchanges (no side effects) are retried. */
  readonly idempotent: boolean;
  /** A download: the reply is the file's bytes whatever its content type (never decoded as JSON or multipart). */
  readonly raw?: boolean;
  /** Which reply limit applies. */
  readonly replyKind: ReplyKind;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly onProgress?: ProgressCallback | undefined;
}

/** A successful reply, decoded by content type. */
export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly value: unknown }
  | { readonly kind: 'multipart'; readonly status: number; readonly parts: readonly MultipartPart[] }
  | {
      readonly kind: 'other';
      readonly status: number;
      readonly contentType: string;
      readonly bytes: Uint8Array;
      /** The `filename` of a `Content-Disposition` header, when the server sent one. */
      readonly fileName: string | undefined;
    };

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** The typed code of an error status; anything not named here is `AIAA_HTTP_STATUS`. */
const STATUS_CODES: Readonly<Record<number, AiaaErrorCode>> = {
  401: 'AIAA_UNAUTHORIZED',
  403: 'AIAA_FORBIDDEN',
  429: 'AIAA_BUSY',
  440: 'AIAA_SESSION_EXPIRED',
};

/** Sends one exchange (with retries when idempotent) and decodes the reply. */
export async function exchange(config: TransportConfig, spec: ExchangeSpec): Promise<Reply> {
  return withCallScope(spec.operation, { signal: spec.signal, timeoutMs: spec.timeoutMs }, (signal) => {
    if (!spec.idempotent || config.retry === false) return once(config, spec, signal);
    const { retries = 2, minDelayMs = 250, maxDelayMs = 5000 } = config.retry;
    return retry(() => once(config, spec, signal), {
      retries,
      minDelayMs,
      maxDelayMs,
      signal,
      shouldRetry: ({ error }) =>
        isMedaasError(error, 'AIAA_CONNECTION') ||
        (isMedaasError(error, 'AIAA_HTTP_STATUS') && RETRYABLE_STATUS.has(Number(error.details['status']))),
      onRetry: ({ attempt, delayMs }) =>
        config.logger.warn(`${config.protocol}: retrying`, { operation: spec.operation, attempt, delayMs }),
    });
  });
}

/** The URL of a path below the base URL, keeping the base URL's own path as the official clients do. */
export function urlFor(baseUrl: URL, path: string, query: Readonly<Record<string, string | undefined>> = {}): URL {
  const url = new URL(baseUrl.href);
  url.pathname = `${baseUrl.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  url.search = '';
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

async function once(config: TransportConfig, spec: ExchangeSpec, signal: AbortSignal): Promise<Reply> {
  const url = urlFor(config.baseUrl, spec.path, spec.query);
  const started = Date.now();
  const upload = createProgressReporter(spec.body ? spec.onProgress : undefined, { phase: 'upload', total: spec.body?.length });
  let response: HttpResponse;
  try {
    upload.update(0);
    const headers = spec.headers ? { ...config.headers, ...spec.headers } : config.headers;
    response = await config.http.send({
      url,
      method: spec.method,
      headers,
      body: spec.body,
      signal,
      onUploaded: (sent) => upload.update(sent),
    });
    if (spec.body) upload.done(spec.body.length);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw connectionError(spec, url, error);
  }
  const { status, body } = response;
  config.logger.debug(`${config.protocol}: reply`, { operation: spec.operation, status, ms: Date.now() - started });
  try {
    const contentType = response.header('content-type') ?? '';
    if (response.redirect === 'opaque' || (status >= 300 && status < 400)) throw redirectError(spec, url, response);
    if (status < 200 || status >= 300) {
      const message = await serverMessage(body, contentType, signal, scrubberFor(config.secrets()));
      const code = STATUS_CODES[status] ?? 'AIAA_HTTP_STATUS';
      const what =
        code === 'AIAA_SESSION_EXPIRED'
          ? 'the session has expired (HTTP 440)'
          : `${spec.method} ${url.pathname} failed with HTTP ${status}`;
      throw new AiaaError(code, `${spec.operation}: ${what}${message ? `: ${message}` : ''}`, {
        details: { status, operation: spec.operation, path: url.pathname, serverMessage: message, contentType: contentType.slice(0, 100) },
      });
    }
    if (spec.method === 'HEAD') return { kind: 'json', status, value: null };
    const declared = Number(response.header('content-length'));
    const total = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
    const multipart = /multipart\//i.test(contentType) && !spec.raw;
    const json = !spec.raw && /[/+]json\b/i.test(contentType);
    const limit = replyLimit(config.limits, spec.replyKind, json ? 'json' : multipart ? 'multipart' : 'other');
    if (total !== undefined && total > limit.max) tooLarge(spec, limit, { declared: total });
    const chunks = downloadStream(body, { spec, signal, limit, total });
    if (multipart)
      return { kind: 'multipart', status, parts: await collectParts(chunks, boundaryOf(contentType), spec, config.limits, limit) };
    const bytes = await collect(chunks, total);
    if (!spec.raw && (json || (contentType === '' && bytes.byteLength === 0))) {
      return { kind: 'json', status, value: bytes.byteLength === 0 ? null : parseJson(bytes, spec, limit) };
    }
    const disposition = response.header('content-disposition');
    return { kind: 'other', status, contentType, bytes, fileName: disposition ? parseDisposition(disposition).filename : undefined };
  } finally {
    response.discard();
  }
}

/** A limit and the option that sets it, for the error that names it. */
interface Limit {
  readonly max: number;
  readonly option: 'maxJsonBytes' | 'maxVolumeBytes' | 'maxResponseBytes';
}

/** The limit of one reply, by the call's kind and the reply's content type; never above `maxResponseBytes`. */
function replyLimit(limits: ReplyLimits, kind: ReplyKind, content: 'json' | 'multipart' | 'other'): Limit {
  let limit: Limit;
  if (kind === 'metadata' || content === 'json') limit = { max: limits.json, option: 'maxJsonBytes' };
  else if (kind === 'file') limit = { max: limits.response, option: 'maxResponseBytes' };
  // A mask and its params, or a few result files: twice the largest volume, not more.
  else if (content === 'multipart') limit = { max: 2 * limits.volume, option: 'maxVolumeBytes' };
  else limit = { max: limits.volume, option: 'maxVolumeBytes' };
  return limit.max > limits.response ? { max: limits.response, option: 'maxResponseBytes' } : limit;
}

/** Parses a multipart reply, each file part held to the volume limit and each text part to the JSON limit. */
async function collectParts(
  chunks: AsyncIterable<Uint8Array>,
  boundary: string,
  spec: ExchangeSpec,
  limits: ReplyLimits,
  whole: Limit,
): Promise<MultipartPart[]> {
  const parts: MultipartPart[] = [];
  const maxFileBytes = Math.min(limits.volume, whole.max);
  const maxFieldBytes = Math.min(limits.json, whole.max);
  try {
    for await (const part of parseMultipart(chunks, boundary, { maxFileBytes, maxFieldBytes })) parts.push(part);
  } catch (error) {
    // The parser's own limit errors, renamed after the client options that set them.
    if (!isMedaasError(error, 'AIAA_RESPONSE_TOO_LARGE') || error.details['operation'] !== undefined) throw error;
    const field = error.details['option'] === 'maxFieldBytes';
    const option = field ? 'maxJsonBytes' : maxFileBytes === limits.volume ? 'maxVolumeBytes' : whole.option;
    tooLarge(spec, { max: field ? maxFieldBytes : maxFileBytes, option }, { part: error.details['part'] }, error);
  }
  return parts;
}

interface DownloadOptions {
  readonly spec: ExchangeSpec;
  readonly signal: AbortSignal;
  readonly limit: Limit;
  readonly total: number | undefined;
}

async function* downloadStream(body: AsyncIterable<Uint8Array>, options: DownloadOptions): AsyncGenerator<Uint8Array> {
  const { spec, signal, limit, total } = options;
  const progress = createProgressReporter(spec.onProgress, { phase: 'download', total });
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      // Counted as it streams: the reply is dropped the moment it crosses the limit, never buffered whole.
      if (received > limit.max) tooLarge(spec, limit, { received });
      progress.update(received);
      yield chunk;
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof AiaaError) throw error;
    throw new AiaaError(
      'AIAA_CONNECTION',
      `${spec.operation}: the connection closed before the reply was complete (${received} bytes received)`,
      {
        details: { operation: spec.operation, received, expected: total, reason: codeOf(error) },
        cause: error,
      },
    );
  }
  progress.done(received);
}

/**
 * The whole body. With a declared length it is copied into one buffer as it arrives (one copy of a large
 * download in memory, not the chunks plus their concatenation).
 */
async function collect(chunks: AsyncIterable<Uint8Array>, declared: number | undefined): Promise<Uint8Array> {
  const list: Uint8Array[] = [];
  let out = declared !== undefined && declared > 0 ? new Uint8Array(declared) : undefined;
  let filled = 0;
  for await (const chunk of chunks) {
    if (out && filled + chunk.byteLength <= out.length) {
      out.set(chunk, filled);
      filled += chunk.byteLength;
      continue;
    }
    if (out) {
      // More than declared: keep what came and fall back to a list.
      list.push(out.subarray(0, filled));
      out = undefined;
    }
    list.push(chunk);
  }
  if (out) return filled === out.length ? out : out.subarray(0, filled);
  return list.length === 0 ? new Uint8Array(0) : concatBytes(list);
}

async function serverMessage(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  signal: AbortSignal,
  scrubber: Scrubber,
): Promise<string> {
  // Error bodies are read only up to a small limit: an HTML error page or a hostile server cannot exhaust memory.
  const limit = 64 * 1024;
  const list: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      list.push(chunk);
      size += chunk.byteLength;
      if (size >= limit) break;
    }
  } catch {
    if (signal.aborted) throw signal.reason;
  }
  // Scrubbed as received (a secret cut at the limit included), and again after decoding, before anything
  // is shortened: a secret must not survive as a quoted, escaped or truncated copy.
  const text = scrubber.text(utf8((list.length === 0 ? new Uint8Array(0) : concatBytes(list)).subarray(0, limit)), size >= limit);
  const short = (value: string): string => scrubber.text(value).slice(0, 500);
  if (/json/i.test(contentType)) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'string') return short(value);
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        for (const key of ['error', 'message', 'detail', 'msg', 'reason']) {
          const field = record[key];
          if (typeof field === 'string') return short(field);
          if (field && typeof field === 'object' && typeof (field as Record<string, unknown>)['message'] === 'string') {
            return short(String((field as Record<string, unknown>)['message']));
          }
          // FastAPI's validation errors: `detail` is a list of `{ loc, msg }`.
          if (Array.isArray(field) && field.length > 0) return short(JSON.stringify(field));
        }
      }
    } catch {
      // Not JSON after all: fall through to the text form.
    }
  }
  const plain =
    /html/i.test(contentType) || /^\s*</.test(text) ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : text;
  return short(plain.replace(/\s+/g, ' ').trim());
}

function parseJson(bytes: Uint8Array, spec: ExchangeSpec, limit: Limit): unknown {
  const operation = spec.operation;
  let text: string;
  try {
    text = utf8(bytes);
  } catch (error) {
    // Beyond the engine's longest string (about 512 MiB): reachable only with a raised maxJsonBytes.
    return tooLarge(spec, limit, { received: bytes.byteLength }, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) return tooLarge(spec, limit, { received: bytes.byteLength }, error);
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: the reply is not valid JSON: "${text.slice(0, 120)}"`, {
      details: { operation, bytes: bytes.byteLength },
      cause: error,
    });
  }
}

function tooLarge(
  spec: ExchangeSpec,
  limit: Limit,
  facts: { declared?: number; received?: number; part?: unknown },
  cause?: unknown,
): never {
  const size = facts.declared !== undefined ? ` (it announces ${facts.declared} bytes)` : '';
  throw new AiaaError(
    'AIAA_RESPONSE_TOO_LARGE',
    `${spec.operation}: the reply is larger than ${limit.option} (${limit.max} bytes)${size}`,
    {
      details: { operation: spec.operation, option: limit.option, limit: limit.max, ...facts },
      cause,
    },
  );
}

/** A redirect is refused as the Node build refuses it: following it would send the image and credentials elsewhere. */
function redirectError(spec: ExchangeSpec, url: URL, response: HttpResponse): AiaaError {
  const opaque = response.redirect === 'opaque';
  const raw = response.header('location');
  let location: string | undefined;
  try {
    location = raw === undefined ? undefined : new URL(raw, url).href;
  } catch {
    location = raw?.slice(0, 500);
  }
  const status = opaque ? 0 : response.status;
  const target = opaque ? 'to an address the browser does not show' : location === undefined ? 'without a Location' : `to ${location}`;
  return new AiaaError(
    'AIAA_HTTP_STATUS',
    `${spec.operation}: ${spec.method} ${url.pathname} was redirected${opaque ? '' : ` (HTTP ${status})`} ${target}; redirects are not followed, since that would send the image and credentials to another address (if it is the server, use it as baseUrl)`,
    { details: { status, location, operation: spec.operation, path: url.pathname } },
  );
}

function connectionError(spec: ExchangeSpec, url: URL, error: unknown): AiaaError {
  const code = codeOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new AiaaError('AIAA_CONNECTION', `${spec.operation}: ${spec.method} ${url.origin}${url.pathname} failed: ${reason}`, {
    details: { operation: spec.operation, origin: url.origin, reason: code },
    cause: error,
  });
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
