import { isMedaasError, redactingLogger, type CallOptions, type Logger } from '@medaas/core';
import type { Dispatcher } from 'undici';
import { createHttpBackend } from '#http';
import { AiaaError } from '../errors.js';
import { exchange, type AiaaRetryOptions, type ExchangeSpec, type Reply, type ReplyLimits, type TransportConfig } from './exchange.js';
import { headerSecrets, scrubberFor, scrubError } from './secrets.js';

/** Default bound of calls that run a model: first inferences load the model and can take minutes. */
export const DEFAULT_INFERENCE_TIMEOUT_MS = 30 * 60_000;
/** Default bound of calls that only read or delete metadata. */
export const DEFAULT_METADATA_TIMEOUT_MS = 60_000;

/**
 * Default limit of JSON replies (model lists, polygons, params), text parts and every reply of a
 * metadata call: 64 MiB, far above any real one and far below the engine's longest string (512 MiB).
 */
export const DEFAULT_MAX_JSON_BYTES = 64 * 2 ** 20;

/**
 * Default limit of one volume in a reply (a mask, a downloaded image or label): 1 GiB, a 512x512x2048
 * int16 CT. A multipart reply of volumes may be twice this.
 */
export const DEFAULT_MAX_VOLUME_BYTES = 2 ** 30;

/** Default limit of any reply, and the only one of model weights and dataset archives: 2 GiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 2 * 2 ** 30;

/** The largest JSON limit accepted: a longer reply could not be decoded to one string. */
const MAX_JSON_LIMIT = 256 * 2 ** 20;
/** The largest volume or reply limit accepted: the largest typed array Node 20 allocates. */
const MAX_BYTES_LIMIT = 4 * 2 ** 30;

/** TLS settings for `https:` servers. Certificates are verified unless `rejectUnauthorized` is explicitly `false`. */
export interface AiaaTlsOptions {
  /** Extra trusted certificate authorities (PEM), e.g. a cluster's own CA. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** `false` turns certificate verification off (as the official Python clients always do). Default true. */
  readonly rejectUnauthorized?: boolean;
}

/** How to reach a server: the options both protocol clients share. */
export interface ConnectionOptions {
  /** The server, e.g. `http://127.0.0.1:5000` or `https://host/aiaa/` (a path prefix is kept). */
  readonly baseUrl: string | URL;
  /** Node: the undici dispatcher to send through (an SSH tunnel's agent, a proxy). Default: an agent owned by the client. Browsers use `fetch`. */
  readonly dispatcher?: Dispatcher;
  /** Default bound of calls that upload images or run models. Default {@link DEFAULT_INFERENCE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Default bound of calls that only read or delete metadata. Default {@link DEFAULT_METADATA_TIMEOUT_MS}. */
  readonly metadataTimeoutMs?: number;
  /** Bound of establishing a connection, for the client's own agent. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Retries of idempotent calls on connection failures and 502/503/504. `false` for none. */
  readonly retry?: AiaaRetryOptions | false;
  /** TLS settings for the client's own agent (ignored with a `dispatcher`). */
  readonly tls?: AiaaTlsOptions;
  /**
   * Refuse a JSON reply (or any reply of a call that reads metadata) larger than this, as soon as it is
   * announced or crosses it. Default {@link DEFAULT_MAX_JSON_BYTES} (64 MiB); at most 256 MiB.
   */
  readonly maxJsonBytes?: number;
  /**
   * The largest volume (mask, image, label) you expect back: one file in a reply may be this large, a
   * multipart reply twice this. Default {@link DEFAULT_MAX_VOLUME_BYTES} (1 GiB); at most 4 GiB.
   */
  readonly maxVolumeBytes?: number;
  /**
   * Refuse any reply larger than this; model weights and dataset archives are bounded by it alone.
   * Default {@link DEFAULT_MAX_RESPONSE_BYTES} (2 GiB); at most 4 GiB.
   */
  readonly maxResponseBytes?: number;
  /** Receives debug lines (operation, status, duration); never image data, file names or secrets. */
  readonly logger?: Logger;
  /**
   * Headers sent with every request, e.g. `{ authorization: 'Bearer ...' }` for a server behind an
   * authenticating reverse proxy. They are never logged nor put in errors. `content-type`,
   * `content-length` and `accept` are the client's own and cannot be set here.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Supplies the `authorization` header of each request and renews it when the server refuses it. The
 * connection asks before every request and, after a 401, asks `renew` once and repeats the request.
 */
export interface Authorizer {
  /** The header value to send (e.g. `Bearer eyJ...`), or `undefined` for none. */
  authorization(options: CallOptions): Promise<string | undefined>;
  /** Called after a 401 for `rejected`; resolves `true` when a new value is ready and the request should be repeated. */
  renew(rejected: string | undefined, options: CallOptions): Promise<boolean>;
  /** Every secret this authorizer holds, so that an echoing server cannot put them into an error message. */
  secrets(): readonly string[];
}

/** One request through a {@link Connection}: an exchange whose timeout defaults by kind. */
export type RequestSpec = Omit<ExchangeSpec, 'timeoutMs' | 'replyKind'> & {
  readonly timeoutMs?: number | undefined;
  /** `metadata` calls default to the metadata timeout, `model` calls (uploads, inference) to the longer one. */
  readonly kind: 'metadata' | 'model';
  /** Send without the authorizer's header (the token request itself). */
  readonly anonymous?: boolean;
  /** A file that is not a volume (model weights, a dataset archive): bounded by `maxResponseBytes` only. */
  readonly fileDownload?: boolean;
};

/**
 * A protocol-neutral connection to one server: the platform's HTTP stack (undici or fetch), the base URL,
 * headers, retries of idempotent calls, timeouts, size limits and authorization. The AIAA v1 and MONAI Label
 * clients are built on it; neither holds HTTP code of its own.
 */
export interface Connection {
  readonly baseUrl: URL;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /** Sends a request and decodes the reply; rejects with an `AiaaError`, or with `signal.reason` on abort or timeout. */
  send(spec: RequestSpec): Promise<Reply>;
  /** Installs the authorizer whose header goes with every request from now on. */
  authorize(authorizer: Authorizer | undefined): void;
  /** Removes every secret the connection holds (headers, tokens, passwords) from an error, in place; returns it. */
  scrub<T>(error: T): T;
  /** Closes the connection's own pool (an injected dispatcher is left open). Idempotent. */
  close(): Promise<void>;
}

const OWN_HEADERS = new Set(['content-type', 'content-length', 'accept', 'host', 'transfer-encoding', 'connection']);

/**
 * Opens a connection for a protocol client.
 *
 * Every error it raises is scrubbed of the secrets the connection holds (header values and the
 * credentials in them, the authorizer's tokens, including renewed and replaced ones, and passwords), in
 * every form a server may quote them back: raw, JSON-escaped, URL- or form-encoded, HTML-escaped.
 *
 * @throws {AiaaError} `AIAA_INVALID_ARGUMENT` for a base URL that is not `http:` or `https:` or carries
 *   credentials, for headers that cannot be set, and for reply limits out of range.
 * @example
 * ```ts
 * const connection = openConnection({ baseUrl: 'http://127.0.0.1:8000' }, 'monai-label');
 * const reply = await connection.send({ operation: 'info', method: 'GET', path: '/info/', idempotent: true, kind: 'metadata' });
 * ```
 */
export function openConnection(options: ConnectionOptions, protocol: string): Connection {
  const baseUrl = parseBaseUrl(options.baseUrl);
  const logger = redactingLogger(options.logger);
  const inferenceTimeoutMs = options.timeoutMs ?? DEFAULT_INFERENCE_TIMEOUT_MS;
  const metadataTimeoutMs = options.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
  if (options.tls?.rejectUnauthorized === false)
    logger.warn(`${protocol}: TLS certificate verification is off`, { origin: baseUrl.origin });
  const headers = checkHeaders(options.headers);
  const limits = checkLimits(options);
  const headerValues = Object.values(headers).flatMap(headerSecrets);
  // The platform's HTTP stack, picked by the package's `#http` import map: undici in Node, fetch elsewhere.
  const http = createHttpBackend({
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  let authorizer: Authorizer | undefined;
  const config: TransportConfig = {
    baseUrl,
    protocol,
    http,
    headers,
    logger,
    limits,
    retry: options.retry ?? {},
    secrets: () => [...headerValues, ...(authorizer?.secrets() ?? []).flatMap(headerSecrets)],
  };
  let closed = false;
  const scrub = <T>(error: T): T => scrubError(error, scrubberFor(config.secrets()));

  const send = async (spec: RequestSpec): Promise<Reply> => {
    try {
      return await sendOnce(spec);
    } catch (error) {
      throw scrub(error);
    }
  };

  const sendOnce = async (spec: RequestSpec): Promise<Reply> => {
    if (closed)
      throw new AiaaError('AIAA_CLIENT_CLOSED', `${spec.operation}: the client is closed`, { details: { operation: spec.operation } });
    const { kind, anonymous, fileDownload, ...rest } = spec;
    const replyKind = kind === 'metadata' ? 'metadata' : fileDownload ? 'file' : 'volume';
    const call = {
      ...rest,
      replyKind,
      timeoutMs: spec.timeoutMs ?? (kind === 'metadata' ? metadataTimeoutMs : inferenceTimeoutMs),
    } as const;
    const auth = anonymous ? undefined : authorizer;
    if (!auth) return exchange(config, call);
    const callOptions = { signal: spec.signal, timeoutMs: call.timeoutMs };
    const value = await auth.authorization(callOptions);
    try {
      return await exchange(config, withAuthorization(call, value));
    } catch (error) {
      if (!isMedaasError(error, 'AIAA_UNAUTHORIZED') || !(await auth.renew(value, callOptions))) throw error;
      return exchange(config, withAuthorization(call, await auth.authorization(callOptions)));
    }
  };

  return {
    baseUrl,
    get closed() {
      return closed;
    },
    send,
    authorize(next) {
      authorizer = next;
    },
    scrub,
    async close() {
      if (closed) return;
      closed = true;
      await http.close();
    },
  };
}

function withAuthorization(spec: ExchangeSpec, value: string | undefined): ExchangeSpec {
  return value === undefined ? spec : { ...spec, headers: { ...spec.headers, authorization: value } };
}

function parseBaseUrl(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch (error) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `baseUrl is not a URL: "${String(value).slice(0, 200)}"`, {
      details: { argument: 'baseUrl' },
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `baseUrl must be http: or https:, got ${url.protocol}`, {
      details: { argument: 'baseUrl', protocol: url.protocol },
    });
  }
  if (url.username || url.password) {
    // Credentials in a URL end up in logs and error messages; they go in `headers` or `auth`.
    throw new AiaaError(
      'AIAA_INVALID_ARGUMENT',
      'baseUrl must not carry credentials: pass them as headers (or, for MONAI Label, as auth)',
      { details: { argument: 'baseUrl' } },
    );
  }
  return url;
}

/** The reply limits, defaulted and checked. */
function checkLimits(options: ConnectionOptions): ReplyLimits {
  const pick = (name: 'maxJsonBytes' | 'maxVolumeBytes' | 'maxResponseBytes', fallback: number, max: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new AiaaError('AIAA_INVALID_ARGUMENT', `${name} must be a whole number of bytes from 1 to ${max}, got ${String(value)}`, {
        details: { argument: name, value, max },
      });
    }
    return value;
  };
  return {
    json: pick('maxJsonBytes', DEFAULT_MAX_JSON_BYTES, MAX_JSON_LIMIT),
    volume: pick('maxVolumeBytes', DEFAULT_MAX_VOLUME_BYTES, MAX_BYTES_LIMIT),
    response: pick('maxResponseBytes', DEFAULT_MAX_RESPONSE_BYTES, MAX_BYTES_LIMIT),
  };
}

/** Extra headers, checked before anything is sent: names and values a server would take as meant. */
function checkHeaders(headers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(lower) || OWN_HEADERS.has(lower)) {
      throw new AiaaError(
        'AIAA_INVALID_ARGUMENT',
        `the header "${name.slice(0, 60)}" cannot be set (not a header name, or one the client sets itself)`,
        { details: { header: name.slice(0, 60) } },
      );
    }
    // The value is not quoted in the message: it is likely a secret.
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new AiaaError('AIAA_INVALID_ARGUMENT', `the value of header "${lower}" must be a string without line breaks`, {
        details: { header: lower },
      });
    }
    out[lower] = value;
  }
  return out;
}
