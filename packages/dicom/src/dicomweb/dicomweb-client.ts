import { platformFetch } from '#fetch';
import { createProgressReporter, throwIfAborted } from '@medaas/core';
import type { ProgressCallback, RetryOptions } from '@medaas/core';
import type { DicomJsonDataset } from './dicom-json.js';
import { checkUid } from './dicom-uid.js';
import { DicomwebError } from './dicomweb-error.js';
import { bodyChunks, CallScope, callError, readJson, requestPath, send } from './dicomweb-http.js';
import type { CallContext, DicomwebCallOptions, HttpRequest, HttpSettings } from './dicomweb-http.js';
import { multipartBoundary, parseMultipartRelated } from './multipart-related.js';
import { paginate, searchQuery } from './qido.js';
import type { SearchAllOptions, SearchOptions } from './qido.js';
import { isStowResponse, randomBoundary, readStowResponse, stowBody } from './stow.js';
import type { FailedInstance, StoredInstance, StoreResult } from './stow.js';

/** Credentials: HTTP Basic, or a bearer token. */
export type DicomwebAuth = { readonly username: string; readonly password: string } | { readonly token: string };

/** Options of {@link createDicomwebClient}. */
export interface DicomwebClientOptions {
  /** The DICOMweb root, e.g. `http://pacs:8042/dicom-web` (credentials go in `auth`, never in the URL). */
  readonly baseUrl: string | URL;
  /**
   * The fetch to use. Default: in browsers the global `fetch`; in Node a `fetch` over `node:http` (undici 7's
   * fetch can crash the process when a PACS ends a `Connection: close` body under backpressure), or the global
   * `fetch` when a `dispatcher` is given.
   */
  readonly fetch?: typeof globalThis.fetch;
  /** Node: an undici `Dispatcher` (an SSH tunnel's agent, a proxy), passed to `fetch` as `dispatcher`. */
  readonly dispatcher?: object;
  /** Extra headers on every request (e.g. a tenant header). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth?: DicomwebAuth;
  /** Default bound of each call in milliseconds (for streamed retrieves: of each wait). Default 60 000. */
  readonly timeoutMs?: number;
  /** Retries of reads on connection failures and HTTP 502/503/504 (default 2 retries from 250 ms), or `false`. */
  readonly retry?: RetryOptions | false;
  /** The largest JSON answer (searches, metadata, STOW responses). Default 256 MiB. */
  readonly maxJsonBytes?: number;
  /** The largest single instance or frame of a retrieve. Default 2 GiB. */
  readonly maxPartBytes?: number;
}

/** Options of the streamed retrieves. */
export interface RetrieveOptions extends DicomwebCallOptions {
  /** Receives `{ phase: 'retrieve', loaded, total? }` in bytes of the answer. */
  readonly onProgress?: ProgressCallback;
  /** The transfer syntax UID to ask for; default `'*'`: as stored, byte for byte. */
  readonly transferSyntax?: string;
}

/** One instance, by its three UIDs. */
export interface DicomInstanceRef {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
}

/** Options of {@link DicomwebClient.storeInstances}. */
export interface StoreOptions extends DicomwebCallOptions {
  /** Store into this study (`POST /studies/{studyUid}`): the PACS refuses instances of other studies. */
  readonly studyUid?: string;
  /** Receives `{ phase: 'store', loaded, total? }` in bytes of instances sent. */
  readonly onProgress?: ProgressCallback;
  /** Instances are sent in requests of about this many bytes each (memory holds one batch). Default 64 MiB. */
  readonly batchBytes?: number;
}

/** A DICOMweb client (QIDO-RS, WADO-RS, STOW-RS) for one PACS. Make one with {@link createDicomwebClient}. */
export interface DicomwebClient {
  /** The DICOMweb root it talks to (without credentials). */
  readonly baseUrl: string;
  /** QIDO-RS `GET /studies`: matching studies as DICOM JSON. */
  searchStudies(options?: SearchOptions): Promise<DicomJsonDataset[]>;
  /** QIDO-RS `GET /studies/{study}/series` (or `/series` across studies). */
  searchSeries(studyUid?: string, options?: SearchOptions): Promise<DicomJsonDataset[]>;
  /** QIDO-RS instances of a series, a study, or (both undefined) of the whole archive. */
  searchInstances(studyUid?: string, seriesUid?: string, options?: SearchOptions): Promise<DicomJsonDataset[]>;
  /** {@link DicomwebClient.searchStudies} page by page: every match, one at a time. */
  searchAllStudies(options?: SearchAllOptions): AsyncGenerator<DicomJsonDataset, void, undefined>;
  /** {@link DicomwebClient.searchSeries} page by page. */
  searchAllSeries(studyUid?: string, options?: SearchAllOptions): AsyncGenerator<DicomJsonDataset, void, undefined>;
  /** {@link DicomwebClient.searchInstances} page by page. */
  searchAllInstances(studyUid?: string, seriesUid?: string, options?: SearchAllOptions): AsyncGenerator<DicomJsonDataset, void, undefined>;
  /** WADO-RS series retrieve, streamed: one instance's Part-10 bytes at a time, as stored. */
  retrieveSeries(studyUid: string, seriesUid: string, options?: RetrieveOptions): AsyncGenerator<Uint8Array, void, undefined>;
  /** WADO-RS study retrieve, streamed like {@link DicomwebClient.retrieveSeries}. */
  retrieveStudy(studyUid: string, options?: RetrieveOptions): AsyncGenerator<Uint8Array, void, undefined>;
  /** WADO-RS instance retrieve: its Part-10 bytes. */
  retrieveInstance(instance: DicomInstanceRef, options?: RetrieveOptions): Promise<Uint8Array>;
  /** WADO-RS series metadata: one DICOM JSON dataset per instance (bulk data as `BulkDataURI`). */
  retrieveSeriesMetadata(studyUid: string, seriesUid: string, options?: DicomwebCallOptions): Promise<DicomJsonDataset[]>;
  /** WADO-RS frames (1-based numbers): each frame's pixel bytes, in the order asked. */
  retrieveFrames(instance: DicomInstanceRef, frameNumbers: readonly number[], options?: RetrieveOptions): Promise<Uint8Array[]>;
  /** STOW-RS: stores Part-10 instances; refused instances are in the result, not thrown. */
  storeInstances(instances: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: StoreOptions): Promise<StoreResult>;
}

function invalidArgument(message: string, argument: string): DicomwebError {
  return new DicomwebError('DICOMWEB_INVALID_ARGUMENT', message, { details: { argument } });
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function limitOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidArgument(`${name} must be a positive integer`, name);
  return value;
}

function settingsOf(options: DicomwebClientOptions): HttpSettings {
  let base: URL;
  try {
    base = new URL(String(options.baseUrl));
  } catch (error) {
    throw new DicomwebError('DICOMWEB_INVALID_ARGUMENT', 'baseUrl is not a URL', { details: { argument: 'baseUrl' }, cause: error });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw invalidArgument(`baseUrl must be http or https, not ${base.protocol}`, 'baseUrl');
  if (base.username || base.password) throw invalidArgument('baseUrl must not hold credentials: pass them as auth', 'baseUrl');
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const { auth } = options;
  if (auth && 'token' in auth) headers['authorization'] = `Bearer ${auth.token}`;
  else if (auth) {
    if (auth.username.includes(':')) throw invalidArgument('auth.username must not contain a colon (HTTP Basic)', 'auth');
    headers['authorization'] = `Basic ${base64(`${auth.username}:${auth.password}`)}`;
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)
    throw invalidArgument('timeoutMs must be a non-negative number', 'timeoutMs');
  // A caller's fetch, or the global fetch when a dispatcher is to be used; else the platform's own (see #fetch).
  const fetchImpl = options.fetch ?? (options.dispatcher ? globalThis.fetch : platformFetch);
  if (typeof fetchImpl !== 'function') throw invalidArgument('no fetch: pass options.fetch', 'fetch');
  return {
    base,
    fetch: fetchImpl,
    dispatcher: options.dispatcher,
    headers,
    timeoutMs,
    retry: options.retry ?? {},
    maxJsonBytes: limitOption(options.maxJsonBytes, 256 * 2 ** 20, 'maxJsonBytes'),
    maxPartBytes: limitOption(options.maxPartBytes, 2 ** 31, 'maxPartBytes'),
  };
}

/**
 * Makes a DICOMweb client for one PACS. Browser-safe: it uses `fetch` only; in Node a `dispatcher`
 * routes it through a tunnel or proxy. Every call takes `signal` and `timeoutMs`; errors name the study,
 * series or instance and the URL path, never credentials or query values.
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for a bad base URL (or one with credentials in it),
 *   options or limits. The calls throw `DICOMWEB_UNREACHABLE`, `DICOMWEB_UNAUTHORIZED`, `DICOMWEB_FORBIDDEN`,
 *   `DICOMWEB_NOT_FOUND`, `DICOMWEB_HTTP_STATUS`, `DICOMWEB_STREAM_INTERRUPTED`, `DICOMWEB_INVALID_RESPONSE`,
 *   `DICOMWEB_RESPONSE_TOO_LARGE`, `DICOMWEB_TIMEOUT` and `DICOMWEB_INVALID_ARGUMENT` (a bad UID).
 * @example
 * ```ts
 * const client = createDicomwebClient({ baseUrl: 'http://127.0.0.1:8042/dicom-web', auth: { username, password } });
 * const [study] = await client.searchStudies({ filters: { PatientID: '123' }, limit: 10 });
 * for await (const instance of client.retrieveSeries(studyUid, seriesUid)) await save(instance);
 * ```
 */
export function createDicomwebClient(options: DicomwebClientOptions): DicomwebClient {
  const settings = settingsOf(options);
  const baseUrl = settings.base.href.replace(/\/$/, '');

  const scopeFor = (context: CallContext, request: HttpRequest, call: DicomwebCallOptions | undefined): CallScope => {
    const timeoutMs = call?.timeoutMs ?? settings.timeoutMs;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)
      throw invalidArgument('timeoutMs must be a non-negative number', 'timeoutMs');
    return new CallScope(call?.signal, timeoutMs, () =>
      callError('DICOMWEB_TIMEOUT', `no answer within ${timeoutMs} ms`, context, requestPath(settings, request), {
        details: { timeoutMs },
      }),
    );
  };

  const json = async (context: CallContext, request: HttpRequest, call: DicomwebCallOptions | undefined): Promise<unknown> => {
    throwIfAborted(call?.signal);
    const scope = scopeFor(context, request, call);
    try {
      const response = await send(settings, request, context, scope);
      return await readJson(response, scope, context, requestPath(settings, request), settings.maxJsonBytes);
    } finally {
      scope.dispose();
    }
  };

  const datasets = async (
    context: CallContext,
    request: HttpRequest,
    call: DicomwebCallOptions | undefined,
  ): Promise<DicomJsonDataset[]> => {
    const value = (await json(context, request, call)) ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
      throw callError(
        'DICOMWEB_INVALID_RESPONSE',
        'the answer is not an array of DICOM JSON datasets',
        context,
        requestPath(settings, request),
      );
    }
    return value as DicomJsonDataset[];
  };

  // async: argument errors reject like every other failure, never throw synchronously.
  const search = async (context: CallContext, path: () => string, call: SearchOptions | undefined): Promise<DicomJsonDataset[]> => {
    const query = searchQuery(call ?? {}, context.operation);
    return datasets(context, { method: 'GET', path: path(), query, accept: 'application/dicom+json' }, call);
  };

  const seriesPath = (studyUid: string | undefined, operation: string): string =>
    studyUid === undefined ? 'series' : `studies/${checkUid(studyUid, 'studyUid', operation)}/series`;

  const instancesSearch = (
    studyUid: string | undefined,
    seriesUid: string | undefined,
    call: SearchOptions | undefined,
  ): [string, SearchOptions | undefined] => {
    const operation = 'QIDO-RS instance search';
    if (studyUid !== undefined && seriesUid !== undefined) {
      return [`studies/${checkUid(studyUid, 'studyUid', operation)}/series/${checkUid(seriesUid, 'seriesUid', operation)}/instances`, call];
    }
    if (studyUid !== undefined) return [`studies/${checkUid(studyUid, 'studyUid', operation)}/instances`, call];
    if (seriesUid !== undefined) {
      // `/series/{uid}/instances` is not a QIDO-RS resource; the series is a match on the archive level.
      checkUid(seriesUid, 'seriesUid', operation);
      return ['instances', { ...call, filters: { ...call?.filters, SeriesInstanceUID: seriesUid } }];
    }
    return ['instances', call];
  };

  async function* multipart(
    context: CallContext,
    request: HttpRequest,
    call: RetrieveOptions | undefined,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    throwIfAborted(call?.signal);
    const scope = scopeFor(context, request, call);
    const path = requestPath(settings, request);
    try {
      const response = await send(settings, request, context, scope);
      const contentType = response.headers.get('content-type') ?? '';
      const boundary = multipartBoundary(contentType);
      if (!/^multipart\/related/i.test(contentType) || boundary === undefined) {
        await response.body?.cancel().catch(() => undefined);
        throw callError(
          'DICOMWEB_INVALID_RESPONSE',
          `expected multipart/related with a boundary, got ${JSON.stringify(contentType.slice(0, 100))}`,
          context,
          path,
        );
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      const progress = createProgressReporter(call?.onProgress, {
        phase: 'retrieve',
        ...(Number.isFinite(declared) ? { total: declared } : {}),
      });
      let loaded = 0;
      const chunks = bodyChunks(response, scope, context, path, (bytes) => {
        loaded += bytes;
        progress.update(loaded);
      });
      try {
        for await (const part of parseMultipartRelated(chunks, boundary, { maxPartBytes: settings.maxPartBytes })) yield part.body;
      } catch (error) {
        const reason = scope.abortReason();
        if (reason !== undefined) throw reason;
        // The parser's own errors gain the call's context (operation, UIDs, path).
        if (error instanceof DicomwebError && !('path' in error.details)) {
          throw callError(error.code, error.message, context, path, { details: { ...error.details, receivedBytes: loaded }, cause: error });
        }
        throw error;
      }
      progress.done(loaded);
    } finally {
      scope.dispose();
    }
  }

  const accept = (type: string, call: RetrieveOptions | undefined): string => {
    const syntax = call?.transferSyntax ?? '*';
    if (syntax !== '*') checkUid(syntax, 'transferSyntax', 'WADO-RS retrieve');
    return `multipart/related; type="${type}"; transfer-syntax=${syntax}`;
  };

  const client: DicomwebClient = {
    baseUrl,
    searchStudies: (call) => search({ operation: 'QIDO-RS study search' }, () => 'studies', call),
    searchSeries: (studyUid, call) =>
      search({ operation: 'QIDO-RS series search', studyUid }, () => seriesPath(studyUid, 'QIDO-RS series search'), call),
    async searchInstances(studyUid, seriesUid, call) {
      const [path, effective] = instancesSearch(studyUid, seriesUid, call);
      return search({ operation: 'QIDO-RS instance search', studyUid, seriesUid }, () => path, effective);
    },
    searchAllStudies: (call) =>
      paginate(call?.pageSize, 'QIDO-RS study search', (limit, offset) => client.searchStudies({ ...call, limit, offset })),
    searchAllSeries: (studyUid, call) =>
      paginate(call?.pageSize, 'QIDO-RS series search', (limit, offset) => client.searchSeries(studyUid, { ...call, limit, offset })),
    searchAllInstances: (studyUid, seriesUid, call) =>
      paginate(call?.pageSize, 'QIDO-RS instance search', (limit, offset) =>
        client.searchInstances(studyUid, seriesUid, { ...call, limit, offset }),
      ),

    async *retrieveSeries(studyUid, seriesUid, call) {
      const operation = 'WADO-RS series retrieve';
      const path = `studies/${checkUid(studyUid, 'studyUid', operation)}/series/${checkUid(seriesUid, 'seriesUid', operation)}`;
      yield* multipart({ operation, studyUid, seriesUid }, { method: 'GET', path, accept: accept('application/dicom', call) }, call);
    },
    async *retrieveStudy(studyUid, call) {
      const operation = 'WADO-RS study retrieve';
      const path = `studies/${checkUid(studyUid, 'studyUid', operation)}`;
      yield* multipart({ operation, studyUid }, { method: 'GET', path, accept: accept('application/dicom', call) }, call);
    },
    async retrieveInstance(instance, call) {
      const operation = 'WADO-RS instance retrieve';
      const context = { operation, ...instance };
      const path = instancePath(instance, operation);
      const parts: Uint8Array[] = [];
      for await (const part of multipart(context, { method: 'GET', path, accept: accept('application/dicom', call) }, call))
        parts.push(part);
      const [first] = parts;
      if (parts.length !== 1 || first === undefined) {
        throw callError('DICOMWEB_INVALID_RESPONSE', `expected one part, got ${parts.length}`, context, `${settings.base.pathname}${path}`);
      }
      return first;
    },
    async retrieveSeriesMetadata(studyUid, seriesUid, call) {
      const operation = 'WADO-RS series metadata';
      const path = `studies/${checkUid(studyUid, 'studyUid', operation)}/series/${checkUid(seriesUid, 'seriesUid', operation)}/metadata`;
      return datasets({ operation, studyUid, seriesUid }, { method: 'GET', path, accept: 'application/dicom+json' }, call);
    },
    async retrieveFrames(instance, frameNumbers, call) {
      const operation = 'WADO-RS frame retrieve';
      const context = { operation, ...instance };
      if (!Array.isArray(frameNumbers) || frameNumbers.length === 0 || !frameNumbers.every((n) => Number.isSafeInteger(n) && n >= 1)) {
        throw new DicomwebError(
          'DICOMWEB_INVALID_ARGUMENT',
          `${operation}: frameNumbers must be a non-empty list of 1-based frame numbers`,
          {
            details: { operation, argument: 'frameNumbers' },
          },
        );
      }
      const path = `${instancePath(instance, operation)}/frames/${frameNumbers.join(',')}`;
      const frames: Uint8Array[] = [];
      for await (const part of multipart(context, { method: 'GET', path, accept: accept('application/octet-stream', call) }, call))
        frames.push(part);
      if (frames.length !== frameNumbers.length) {
        throw callError(
          'DICOMWEB_INVALID_RESPONSE',
          `asked for ${frameNumbers.length} frames, got ${frames.length}`,
          context,
          `${settings.base.pathname}${path}`,
        );
      }
      return frames;
    },
    storeInstances: (instances, call) => store(instances, call),
  };

  function instancePath(instance: DicomInstanceRef, operation: string): string {
    return `studies/${checkUid(instance.studyUid, 'studyUid', operation)}/series/${checkUid(instance.seriesUid, 'seriesUid', operation)}/instances/${checkUid(instance.sopUid, 'sopUid', operation)}`;
  }

  async function store(instances: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, call: StoreOptions | undefined): Promise<StoreResult> {
    const operation = 'STOW-RS store';
    const studyUid = call?.studyUid;
    const path = studyUid === undefined ? 'studies' : `studies/${checkUid(studyUid, 'studyUid', operation)}`;
    const batchBytes = limitOption(call?.batchBytes, 64 * 2 ** 20, 'batchBytes');
    const context: CallContext = { operation, studyUid };
    const total = Array.isArray(instances)
      ? (instances as readonly Uint8Array[]).reduce((sum, item) => sum + item.byteLength, 0)
      : undefined;
    const progress = createProgressReporter(call?.onProgress, { phase: 'store', ...(total === undefined ? {} : { total }) });
    const stored: StoredInstance[] = [];
    const failed: FailedInstance[] = [];
    const statuses: number[] = [];
    let sent = 0;
    let loaded = 0;
    let batch: Uint8Array[] = [];
    let batchSize = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const boundary = randomBoundary();
      const request: HttpRequest = {
        method: 'POST',
        path,
        accept: 'application/dicom+json',
        contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
        body: stowBody(batch, boundary),
      };
      throwIfAborted(call?.signal);
      const scope = scopeFor(context, request, call);
      try {
        // 400 and 409 may still carry the response dataset (which instances were refused).
        const response = await send(settings, request, context, scope, [400, 409]);
        const answer = await readJson(response, scope, context, requestPath(settings, request), settings.maxJsonBytes);
        if (!isStowResponse(answer)) {
          const what = response.ok ? 'the answer is not a STOW-RS response dataset' : `HTTP ${response.status}`;
          throw callError(
            response.ok ? 'DICOMWEB_INVALID_RESPONSE' : 'DICOMWEB_HTTP_STATUS',
            what,
            context,
            requestPath(settings, request),
            {
              details: { status: response.status },
            },
          );
        }
        const result = readStowResponse(answer);
        stored.push(...result.stored);
        failed.push(...result.failed);
        statuses.push(response.status);
      } finally {
        scope.dispose();
      }
      sent += batch.length;
      loaded += batchSize;
      progress.update(loaded);
      batch = [];
      batchSize = 0;
    };
    for await (const instance of instances) {
      if (!(instance instanceof Uint8Array)) throw invalidArgument(`${operation}: instances must be Uint8Array`, 'instances');
      if (batch.length > 0 && batchSize + instance.byteLength > batchBytes) await flush();
      batch.push(instance);
      batchSize += instance.byteLength;
    }
    await flush();
    progress.done(loaded);
    return { stored, failed, sent, complete: failed.length === 0 && stored.length === sent, statuses };
  }

  return client;
}
