import { createProgressReporter, isMedaasError, retry, withCallScope, type Logger, type ProgressCallback } from '@medaas/core';
import { AiaaError, type AiaaErrorCode } from '../errors.js';
import type { RequestBody } from './body.js';
import { concatBytes, utf8 } from './bytes.js';
import type { HttpBackend, HttpMethod, HttpResponse } from './http/http-backend.js';
import { boundaryOf, parseDisposition, parseMultipart, type MultipartPart } from './multipart-parser.js';

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
  readonly maxResponseBytes: number;
  readonly retry: AiaaRetryOptions | false;
  /** Values that must never appear in an error message (header values, tokens), even when a server echoes them. */
  readonly secrets: () => readonly string[];
}

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
      onRetry: ({ attempt, delayMs }) => config.logger.warn(`${config.protocol}: retrying`, { operation: spec.operation, attempt, delayMs }),
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
    response = await config.http.send({ url, method: spec.method, headers, body: spec.body, signal, onUploaded: (sent) => upload.update(sent) });
    if (spec.body) upload.done(spec.body.length);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw connectionError(spec, url, error);
  }
  const { status, body } = response;
  config.logger.debug(`${config.protocol}: reply`, { operation: spec.operation, status, ms: Date.now() - started });
  try {
    const contentType = response.header('content-type') ?? '';
    if (status < 200 || status >= 300) {
      const message = scrub(await serverMessage(body, contentType, signal), config.secrets());
      const code = STATUS_CODES[status] ?? 'AIAA_HTTP_STATUS';
      const what = code === 'AIAA_SESSION_EXPIRED' ? 'the session has expired (HTTP 440)' : `${spec.method} ${url.pathname} failed with HTTP ${status}`;
      throw new AiaaError(code, `${spec.operation}: ${what}${message ? `: ${message}` : ''}`, {
        details: { status, operation: spec.operation, path: url.pathname, serverMessage: message, contentType: contentType.slice(0, 100) },
      });
    }
    const total = Number(response.header('content-length'));
    if (spec.method === 'HEAD') return { kind: 'json', status, value: null };
    if (Number.isFinite(total) && total > config.maxResponseBytes) tooLarge(spec, config.maxResponseBytes);
    const chunks = downloadStream(body, { spec, signal, max: config.maxResponseBytes, total: Number.isFinite(total) ? total : undefined });
    if (/multipart\//i.test(contentType) && !spec.raw) {
      const boundary = boundaryOf(contentType);
      const parts: MultipartPart[] = [];
      for await (const part of parseMultipart(chunks, boundary)) parts.push(part);
      return { kind: 'multipart', status, parts };
    }
    const bytes = await collect(chunks);
    if (!spec.raw && (/[/+]json\b/i.test(contentType) || (contentType === '' && bytes.byteLength === 0))) {
      return { kind: 'json', status, value: bytes.byteLength === 0 ? null : parseJson(bytes, spec.operation) };
    }
    const disposition = response.header('content-disposition');
    return { kind: 'other', status, contentType, bytes, fileName: disposition ? parseDisposition(disposition).filename : undefined };
  } finally {
    response.discard();
  }
}

interface DownloadOptions {
  readonly spec: ExchangeSpec;
  readonly signal: AbortSignal;
  readonly max: number;
  readonly total: number | undefined;
}

async function* downloadStream(body: AsyncIterable<Uint8Array>, options: DownloadOptions): AsyncGenerator<Uint8Array> {
  const { spec, signal, max, total } = options;
  const progress = createProgressReporter(spec.onProgress, { phase: 'download', total });
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (received > max) tooLarge(spec, max);
      progress.update(received);
      yield chunk;
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof AiaaError) throw error;
    throw new AiaaError('AIAA_CONNECTION', `${spec.operation}: the connection closed before the reply was complete (${received} bytes received)`, {
      details: { operation: spec.operation, received, expected: total, reason: codeOf(error) },
      cause: error,
    });
  }
  progress.done(received);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Uint8Array[] = [];
  for await (const chunk of chunks) list.push(chunk);
  return list.length === 0 ? new Uint8Array(0) : concatBytes(list);
}

async function serverMessage(body: AsyncIterable<Uint8Array>, contentType: string, signal: AbortSignal): Promise<string> {
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
  const text = utf8((list.length === 0 ? new Uint8Array(0) : concatBytes(list)).subarray(0, limit));
  if (/json/i.test(contentType)) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'string') return value.slice(0, 500);
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        for (const key of ['error', 'message', 'detail', 'msg', 'reason']) {
          const field = record[key];
          if (typeof field === 'string') return field.slice(0, 500);
          if (field && typeof field === 'object' && typeof (field as Record<string, unknown>)['message'] === 'string') {
            return String((field as Record<string, unknown>)['message']).slice(0, 500);
          }
          // FastAPI's validation errors: `detail` is a list of `{ loc, msg }`.
          if (Array.isArray(field) && field.length > 0) return JSON.stringify(field).slice(0, 500);
        }
      }
    } catch {
      // Not JSON after all: fall through to the text form.
    }
  }
  const plain = /html/i.test(contentType) || /^\s*</.test(text) ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : text;
  return plain.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** Replaces every secret (at least 4 characters long) in a server's message: a server may echo a token back. */
function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

function parseJson(bytes: Uint8Array, operation: string): unknown {
  const text = utf8(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: the reply is not valid JSON: "${text.slice(0, 120)}"`, {
      details: { operation, bytes: bytes.byteLength },
      cause: error,
    });
  }
}

function tooLarge(spec: ExchangeSpec, max: number): never {
  throw new AiaaError('AIAA_RESPONSE_TOO_LARGE', `${spec.operation}: the reply is larger than maxResponseBytes (${max})`, {
    details: { operation: spec.operation, maxResponseBytes: max },
  });
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
