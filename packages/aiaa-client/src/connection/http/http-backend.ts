import type { RequestBody } from '../body.js';

/** The methods the protocols use. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/** One HTTP request of the client: the body, when there is one, has a known length. */
export interface HttpRequest {
  readonly url: URL;
  readonly method: HttpMethod;
  /** Extra headers (lower-case names), sent along with the client's own. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: RequestBody | undefined;
  readonly signal: AbortSignal;
  /** Bytes of the body sent so far (where the platform can tell; else only at the end). */
  readonly onUploaded: (sent: number) => void;
}

/** The reply: status, headers and a body read as it arrives. */
export interface HttpResponse {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * `opaque` when the platform answered a redirect it hides (a browser's `redirect: 'manual'` gives a
   * status of 0 and no headers); otherwise a redirect is an ordinary 3xx status with its `Location`.
   */
  readonly redirect?: 'opaque' | undefined;
  /** Stops reading the body and releases the connection. Safe to call at any time. */
  discard(): void;
}

/** What the client needs from the platform's HTTP stack. */
export interface HttpBackend {
  /** Sends a request; rejects when no reply arrives (the connection failed), with the platform's error. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Releases the back end's own connections. Idempotent. */
  close(): Promise<void>;
}

/** Options of the platform back end, from the client's options. */
export interface HttpBackendOptions {
  /** Node: an undici `Dispatcher` to send through (an SSH tunnel's agent). Not used in browsers. */
  readonly dispatcher?: unknown;
  /** Node: bound of establishing a connection. Browsers use their own. */
  readonly connectTimeoutMs: number;
  /** Node: TLS settings of the client's own agent. Browsers verify certificates themselves. */
  readonly tls?: { readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[]; readonly rejectUnauthorized?: boolean };
}

/** Creates the platform's back end. */
export type CreateHttpBackend = (options: HttpBackendOptions) => HttpBackend;

/** Which HTTP stack this build of the client uses. */
export declare const HTTP_PLATFORM: 'node' | 'web';

/** Creates the back end of this build: undici in Node, `fetch` elsewhere. */
export declare const createHttpBackend: CreateHttpBackend;
