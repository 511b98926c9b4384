import { retry, throwIfAborted } from '@medaas/core';
import type { RetryOptions } from '@medaas/core';
import { DicomwebError } from './dicomweb-error.js';
import type { DicomwebErrorCode } from './dicomweb-error.js';

/**
 * The HTTP exchange under every DICOMweb call: one request through `fetch`, status and transport
 * failures mapped to {@link DicomwebError} codes with the operation, UIDs and URL path in the message, a
 * timeout that for streamed answers bounds each wait (not the whole download), and retries for reads.
 */

/** What the message and `details` of an error say about the call. */
export interface CallContext {
  /** e.g. `'WADO-RS retrieve'`, `'QIDO-RS search'`. */
  readonly operation: string;
  readonly studyUid?: string | undefined;
  readonly seriesUid?: string | undefined;
  readonly sopUid?: string | undefined;
}

/** The resolved settings of a client, shared by its calls. */
export interface HttpSettings {
  readonly base: URL;
  readonly fetch: typeof globalThis.fetch;
  readonly dispatcher: object | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number | undefined;
  readonly retry: RetryOptions | false;
  readonly maxJsonBytes: number;
  readonly maxPartBytes: number;
}

/** One request of a call. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** The path below the base URL, e.g. `studies/1.2/series/3.4` (UIDs already validated). */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly accept: string;
  readonly body?: Blob;
  readonly contentType?: string;
}

/** Per-call options of every DICOMweb call. */
export interface DicomwebCallOptions {
  /** Cancels the call; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Bounds the call in milliseconds (rejecting with `DICOMWEB_TIMEOUT`); for streamed retrieves it bounds the
   * wait for the answer's headers and for each next chunk, so a long download that keeps moving never times
   * out. Default: the client's `timeoutMs`.
   */
  readonly timeoutMs?: number | undefined;
}

/** The timer and abort wiring of one call. */
export class CallScope {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastProgress = 0;
  private readonly onAbort: () => void;

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly timeoutMs: number | undefined,
    private readonly describe: () => DicomwebError,
  ) {
    this.onAbort = () => this.controller.abort(caller?.reason);
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Restarts the timeout: the call made progress. Called per chunk (thousands of times a second), so it only
   * records the time; the one timer re-arms itself for the remainder when it fires after progress.
   */
  touch(): void {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || this.controller.signal.aborted) return;
    this.lastProgress = Date.now();
    if (this.timer !== undefined) return;
    const arm = (delayMs: number): void => {
      this.timer = setTimeout(() => {
        const idle = Date.now() - this.lastProgress;
        if (idle >= timeoutMs) this.controller.abort(this.describe());
        else arm(timeoutMs - idle);
      }, delayMs);
    };
    arm(timeoutMs);
  }

  /** The error to reject with when the call was aborted or timed out, else undefined. */
  abortReason(): unknown {
    if (this.caller?.aborted) return this.caller.reason;
    if (this.controller.signal.aborted) return this.controller.signal.reason;
    return undefined;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.caller?.removeEventListener('abort', this.onAbort);
  }
}

/** "series 1.2 of study 3.4", the subject of a call in messages. */
export function subject(context: CallContext): string {
  const parts: string[] = [];
  if (context.sopUid) parts.push(`instance ${context.sopUid}`);
  if (context.seriesUid) parts.push(`series ${context.seriesUid}`);
  if (context.studyUid) parts.push(`study ${context.studyUid}`);
  return parts.length === 0 ? '' : ` of ${parts.join(' of ')}`;
}

/** A DicomwebError about a call: message and details name the operation, UIDs and the URL path. */
export function callError(
  code: DicomwebErrorCode,
  what: string,
  context: CallContext,
  path: string,
  extra: { readonly details?: Record<string, unknown>; readonly cause?: unknown } = {},
): DicomwebError {
  const message = `${context.operation}${subject(context)} failed: ${what} (${path})`;
  const details = {
    operation: context.operation,
    ...(context.studyUid ? { studyUid: context.studyUid } : {}),
    ...(context.seriesUid ? { seriesUid: context.seriesUid } : {}),
    ...(context.sopUid ? { sopUid: context.sopUid } : {}),
    path,
    ...extra.details,
  };
  return new DicomwebError(code, message, { details, cause: extra.cause });
}

/** The URL path of a request (the base's path plus the resource), as errors show it. */
export function requestPath(settings: HttpSettings, request: HttpRequest): string {
  return `${settings.base.pathname}${request.path}`;
}

function statusCode(status: number): DicomwebErrorCode {
  if (status === 401) return 'DICOMWEB_UNAUTHORIZED';
  if (status === 403) return 'DICOMWEB_FORBIDDEN';
  if (status === 404) return 'DICOMWEB_NOT_FOUND';
  return 'DICOMWEB_HTTP_STATUS';
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof DicomwebError)) return false;
  if (error.code === 'DICOMWEB_UNREACHABLE') return true;
  const status = error.details['status'];
  return error.code === 'DICOMWEB_HTTP_STATUS' && (status === 502 || status === 503 || status === 504);
}

/**
 * Sends a request and returns a response with a success status (2xx, or those in `accept`); the body is
 * left unread for the caller. Reads (GET) are retried on connection failures and 502/503/504.
 */
export async function send(
  settings: HttpSettings,
  request: HttpRequest,
  context: CallContext,
  scope: CallScope,
  acceptStatus: readonly number[] = [],
): Promise<Response> {
  const path = requestPath(settings, request);
  const url = new URL(request.path, settings.base);
  if (request.query) url.search = request.query.toString();
  const once = async (): Promise<Response> => {
    throwIfAborted(scope.signal);
    const headers: Record<string, string> = { ...settings.headers, accept: request.accept };
    if (request.contentType) headers['content-type'] = request.contentType;
    const init: RequestInit & { dispatcher?: object } = {
      method: request.method,
      headers,
      signal: scope.signal,
      redirect: 'manual',
      ...(request.body ? { body: request.body } : {}),
      ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
    };
    let response: Response;
    try {
      response = await settings.fetch(url, init);
    } catch (error) {
      const reason = scope.abortReason();
      if (reason !== undefined) throw reason;
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw callError('DICOMWEB_UNREACHABLE', `the PACS cannot be reached${typeof code === 'string' ? ` (${code})` : ''}`, context, path, {
        details: { method: request.method, ...(typeof code === 'string' ? { errno: code } : {}) },
        cause: error,
      });
    }
    scope.touch();
    if ((response.status >= 200 && response.status < 300) || acceptStatus.includes(response.status)) return response;
    // The error body is dropped: servers may quote the request (and with it patient names of a query).
    await response.body?.cancel().catch(() => undefined);
    const what =
      response.status === 0 || (response.status >= 300 && response.status < 400)
        ? `redirect (HTTP ${response.status}), not followed`
        : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw callError(statusCode(response.status), what, context, path, { details: { method: request.method, status: response.status } });
  };
  if (request.method !== 'GET' || settings.retry === false) return once();
  const options = settings.retry;
  return retry(once, {
    retries: 2,
    minDelayMs: 250,
    ...options,
    signal: scope.signal,
    shouldRetry: (attempt) => isRetryable(attempt.error) && (options.shouldRetry?.(attempt) ?? true),
  });
}

/**
 * The chunks of a response body; a transport failure midway becomes `DICOMWEB_STREAM_INTERRUPTED`, an abort
 * rejects with its reason. Each chunk restarts the call's timeout and is counted by `onChunk`.
 * A hand-written iterator, not an async generator: it sits under the multipart parser for every chunk of
 * a retrieve, and each generator layer costs extra promise hops per chunk (measurable at 500 MiB/s).
 */
export function bodyChunks(
  response: Response,
  scope: CallScope,
  context: CallContext,
  path: string,
  onChunk?: (bytes: number) => void,
): AsyncIterableIterator<Uint8Array> {
  const reader = response.body?.getReader();
  let finished = reader === undefined;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const onRead = (next: ReadableStreamReadResult<Uint8Array>): IteratorResult<Uint8Array> => {
    if (next.done) {
      finished = true;
      return done;
    }
    scope.touch();
    onChunk?.(next.value.length);
    return next;
  };
  const onError = (error: unknown): never => {
    finished = true;
    const reason = scope.abortReason();
    if (reason !== undefined) throw reason;
    throw callError('DICOMWEB_STREAM_INTERRUPTED', 'the connection broke off while the answer was streaming', context, path, {
      cause: error,
    });
  };
  const iterator: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
    // Not async: one promise per chunk (reader.read()'s, chained once), not two.
    next(): Promise<IteratorResult<Uint8Array>> {
      if (finished || reader === undefined) return Promise.resolve(done);
      return reader.read().then(onRead, onError);
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      if (!finished && reader !== undefined) {
        finished = true;
        await reader.cancel().catch(() => undefined);
      }
      return done;
    },
  };
  return iterator;
}

/** Reads a whole body of at most `limit` bytes (checked against Content-Length first, then while reading). */
export async function readBody(
  response: Response,
  scope: CallScope,
  context: CallContext,
  path: string,
  limit: number,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = (): DicomwebError =>
    callError('DICOMWEB_RESPONSE_TOO_LARGE', `the answer is over maxJsonBytes (${limit} bytes)`, context, path, {
      details: { option: 'maxJsonBytes', limit, ...(Number.isFinite(declared) ? { declared } : {}) },
    });
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of bodyChunks(response, scope, context, path)) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Parses a JSON answer (an empty body or HTTP 204 is `undefined`). */
export async function readJson(response: Response, scope: CallScope, context: CallContext, path: string, limit: number): Promise<unknown> {
  if (response.status === 204) return undefined;
  const bytes = await readBody(response, scope, context, path, limit);
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (error) {
    throw callError('DICOMWEB_INVALID_RESPONSE', `the answer is not JSON (${bytes.length} bytes)`, context, path, { cause: error });
  }
}
