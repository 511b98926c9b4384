import { redactingLogger, type CallOptions, type Logger, type ProgressCallback } from '@medaas/core';
import type { Dispatcher } from 'undici';
import { createHttpBackend } from '#http';
import { adminCalls, type PutModelInput } from './admin.js';
import { AiaaError } from './errors.js';
import { parseModelList, type AiaaModel, type AiaaModelType } from './models.js';
import { buildMultipart, isGzipImage, type AiaaImage, type TextField } from './multipart-writer.js';
import { checkPoint, checkPoints, type SlicePolygons, type VoxelPoint } from './points.js';
import {
  asVolumePolygons,
  deepgrowResult,
  fixPolygonResult,
  maskResult,
  segmentationResult,
  unexpectedType,
  type DeepgrowResult,
  type FixPolygonResult,
  type InferenceResult,
  type SegmentationResult,
} from './results.js';
import { isAiaaSession, makeSession, type AiaaSession } from './session.js';
import { exchange, type AiaaRetryOptions, type ExchangeSpec, type Reply, type TransportConfig } from './transport.js';

/** Default bound of calls that run a model: first inferences load the model and can take minutes. */
export const DEFAULT_INFERENCE_TIMEOUT_MS = 30 * 60_000;
/** Default bound of calls that only read or delete metadata. */
export const DEFAULT_METADATA_TIMEOUT_MS = 60_000;

/** TLS settings for `https:` servers. Certificates are verified unless `rejectUnauthorized` is explicitly `false`. */
export interface AiaaTlsOptions {
  /** Extra trusted certificate authorities (PEM), e.g. a cluster's own CA. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** `false` turns certificate verification off (as the official Python client always does). Default true. */
  readonly rejectUnauthorized?: boolean;
}

/** Options of {@link createAiaaClient}. */
export interface AiaaClientOptions {
  /** The server, e.g. `http://127.0.0.1:5000` or `https://host/aiaa/` (a path prefix is kept). */
  readonly baseUrl: string | URL;
  /** Node: the undici dispatcher to send through (an SSH tunnel's agent, a proxy). Default: an agent owned by the client. Browsers use `fetch`. */
  readonly dispatcher?: Dispatcher;
  /** Default bound of calls that upload images or run models. Default {@link DEFAULT_INFERENCE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Default bound of model listing and session lookups. Default {@link DEFAULT_METADATA_TIMEOUT_MS}. */
  readonly metadataTimeoutMs?: number;
  /** Bound of establishing a connection, for the client's own agent. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Retries of idempotent calls (model list, session get/delete) on connection failures and 502/503/504. `false` for none. */
  readonly retry?: AiaaRetryOptions | false;
  /** TLS settings for the client's own agent (ignored with a `dispatcher`). */
  readonly tls?: AiaaTlsOptions;
  /** Replies larger than this are refused. Default 4 GiB. */
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

/** Options of every call: cancellation, a timeout, and upload/download progress. */
export interface AiaaCallOptions extends CallOptions {
  /** Receives `{ phase: 'upload' | 'download', loaded, total }` in bytes. */
  readonly onProgress?: ProgressCallback;
}

/** An image to send, or a session that holds it on the server. */
export type AiaaInput = AiaaImage | AiaaSession;

/** Options of {@link AiaaClient.listModels}. */
export interface ListModelsOptions extends CallOptions {
  /** Only models that label this structure. */
  readonly label?: string;
  /** Only models of this type. */
  readonly type?: AiaaModelType;
}

/** Options of {@link AiaaClient.createSession}. */
export interface CreateSessionOptions extends AiaaCallOptions {
  /** Requested lifetime in seconds; the server uses `min(expirySec, its maximum)`. Default 0: the server's default. */
  readonly expirySec?: number;
}

/** Options of model calls that take free-form parameters. */
export interface ModelCallOptions extends AiaaCallOptions {
  /** Extra `params` sent as JSON. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Options of {@link AiaaClient.dextr3d}. */
export interface Dextr3dOptions extends ModelCallOptions {
  /** At least six extreme points, voxel indices of the uploaded image (or of the session's image). */
  readonly points: readonly VoxelPoint[];
}

/** Options of {@link AiaaClient.deepgrow}. */
export interface DeepgrowOptions extends ModelCallOptions {
  /** Clicks inside the structure (at least one). */
  readonly foreground: readonly VoxelPoint[];
  /** Clicks outside it. Default none. */
  readonly background?: readonly VoxelPoint[];
  /** The latest click; 2-D models segment its slice. */
  readonly currentPoint?: VoxelPoint;
  /** The model's input size, forwarded as `spatial_size`. */
  readonly spatialSize?: readonly number[];
}

/** Options of {@link AiaaClient.maskToPolygons}. */
export interface MaskToPolygonsOptions extends AiaaCallOptions {
  /** The point ratio (`more_points`): keep about one boundary pixel in this many. Default 1. */
  readonly pointRatio?: number;
}

/** Options of {@link AiaaClient.fixPolygon}. */
export type FixPolygonOptions = AiaaCallOptions & {
  readonly polygonIndex: number;
  readonly vertexIndex: number;
  /** How far the vertex moves, in pixels. */
  readonly vertexOffset: readonly [number, number];
  /** Neighbouring vertices on each side that move with it, less and less. Default 1. */
  readonly propagateNeighbor?: number;
} & (
    | { readonly dimension: 2; readonly polygons: SlicePolygons }
    | {
        readonly dimension: 3;
        readonly polygons: readonly SlicePolygons[];
        readonly sliceIndex: number;
        /** Neighbouring slices on each side that follow the edit. Default 0. */
        readonly propagateNeighbor3d?: number;
      }
  );

/**
 * A client of one AIAA v1 server. It holds a connection pool: close it when done (idempotent; `await using`
 * works too).
 */
export interface AiaaClient extends AsyncDisposable {
  /** The server's base URL. */
  readonly baseUrl: string;
  /** Lists models, optionally only those for a label and/or of a type. */
  listModels(options?: ListModelsOptions): Promise<AiaaModel[]>;
  /** Describes one model (`?model=`), accepting a single object or an array as servers differ. */
  model(name: string, options?: CallOptions): Promise<AiaaModel>;
  /** Uploads an image once and keeps it on the server for later calls. */
  createSession(image: AiaaImage, options?: CreateSessionOptions): Promise<AiaaSession>;
  /** A handle for a session created earlier (e.g. an id kept by a viewer). */
  attachSession(id: string): AiaaSession;
  /** The server's details of a session. */
  getSession(session: AiaaSession | string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Automatic segmentation of the image or the session's image. */
  segmentation(model: string, input: AiaaInput, options?: ModelCallOptions): Promise<SegmentationResult>;
  /** DEXTR3D from extreme points. Without a session the points are indices of `image` as sent (see `./dextr3d` for client-side cropping). */
  dextr3d(model: string, input: AiaaInput, options: Dextr3dOptions): Promise<SegmentationResult>;
  /** DeepGrow 2-D or 3-D from foreground and background clicks. */
  deepgrow(model: string, input: AiaaInput, options: DeepgrowOptions): Promise<DeepgrowResult>;
  /** Generic inference: a mask (multipart reply) or JSON (e.g. classification). */
  inference(model: string, input: AiaaInput, options?: ModelCallOptions): Promise<InferenceResult>;
  /** Polygons of a binary 3-D mask, one list per slice. */
  maskToPolygons(mask: AiaaImage, options?: MaskToPolygonsOptions): Promise<SlicePolygons[]>;
  /** Moves one polygon vertex and returns the updated polygons and mask. */
  fixPolygon(image: AiaaImage, options: FixPolygonOptions): Promise<FixPolygonResult>;
  /**
   * Loads (or replaces) a model through the admin API: `PUT /admin/model/{name}` with the AIAA config and
   * the weights. A server that refuses the model answers 4xx and keeps serving the previous one.
   */
  putModel(name: string, input: PutModelInput, options?: AiaaCallOptions): Promise<Record<string, unknown>>;
  /** The config of a loaded model (`GET /admin/model/{name}`). */
  getModelConfig(name: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Unloads a model (`DELETE /admin/model/{name}`). */
  deleteModel(name: string, options?: CallOptions): Promise<void>;
  /** Closes the client's own connection pool (an injected dispatcher is left open). Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a client for an AIAA v1 server: over undici with connection reuse in Node, over `fetch` in browsers
 * (the package's `browser`/`default` build; the server must allow the page's origin, CORS).
 *
 * @throws {AiaaError} `AIAA_INVALID_ARGUMENT` for a base URL that is not `http:` or `https:`.
 * @example
 * ```ts
 * await using client = createAiaaClient({ baseUrl: 'http://127.0.0.1:5000' });
 * const [model] = await client.listModels({ type: 'segmentation' });
 * const { mask } = await client.segmentation(model!.name, await fs.openAsBlob('ct.nii.gz'));
 * ```
 */
export function createAiaaClient(options: AiaaClientOptions): AiaaClient {
  const baseUrl = parseBaseUrl(options.baseUrl);
  const logger = redactingLogger(options.logger);
  const inferenceTimeoutMs = options.timeoutMs ?? DEFAULT_INFERENCE_TIMEOUT_MS;
  const metadataTimeoutMs = options.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
  if (options.tls?.rejectUnauthorized === false) logger.warn('aiaa: TLS certificate verification is off', { origin: baseUrl.origin });
  // The platform's HTTP stack, picked by the package's `#http` import map: undici in Node, fetch elsewhere.
  const headers = checkHeaders(options.headers);
  const http = createHttpBackend({
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const config: TransportConfig = {
    baseUrl,
    http,
    headers,
    logger,
    maxResponseBytes: options.maxResponseBytes ?? 4 * 1024 ** 3,
    retry: options.retry ?? {},
  };
  let closed = false;

  const send = (spec: Omit<ExchangeSpec, 'timeoutMs'> & { timeoutMs?: number | undefined }, metadata: boolean): Promise<Reply> => {
    if (closed) return Promise.reject(new AiaaError('AIAA_CLIENT_CLOSED', `${spec.operation}: the client is closed`, { details: { operation: spec.operation } }));
    return exchange(config, { ...spec, timeoutMs: spec.timeoutMs ?? (metadata ? metadataTimeoutMs : inferenceTimeoutMs) });
  };

  const removeSession = async (id: string, call: CallOptions): Promise<void> => {
    await send({ operation: 'closeSession', method: 'DELETE', path: `/session/${encodeURIComponent(id)}`, idempotent: true, ...call }, true);
  };

  /** Runs a model endpoint: `params` plus the image, or only `params` and `session_id` with a session. */
  const runModel = async (operation: string, path: string, model: string, input: AiaaInput, params: Record<string, unknown>, call: AiaaCallOptions): Promise<Reply> => {
    checkName(model, operation);
    const session = isAiaaSession(input) ? input : undefined;
    const fields: TextField[] = [{ name: 'params', value: JSON.stringify(params) }];
    const file = session ? undefined : await imageField('datapoint', input as AiaaImage, 'image', operation);
    return send(
      {
        operation,
        method: 'POST',
        path,
        query: { model, session_id: session?.id },
        body: buildMultipart(fields, file),
        idempotent: false,
        ...call,
      },
      false,
    );
  };

  const admin = adminCalls(send);
  const client: AiaaClient = {
    baseUrl: baseUrl.href,
    putModel: admin.putModel,
    getModelConfig: admin.getModelConfig,
    deleteModel: admin.deleteModel,

    async listModels(call = {}) {
      const { label, type, ...rest } = call;
      const reply = await send({ operation: 'listModels', method: 'GET', path: '/v1/models', query: { label, type }, idempotent: true, ...rest }, true);
      return parseModelList(jsonOf(reply, 'listModels'), 'listModels');
    },

    async model(name, call = {}) {
      checkName(name, 'model');
      const reply = await send({ operation: 'model', method: 'GET', path: '/v1/models', query: { model: name }, idempotent: true, ...call }, true);
      const models = parseModelList(jsonOf(reply, 'model'), 'model');
      const found = models.find((m) => m.name === name) ?? (models.length === 1 ? models[0] : undefined);
      if (!found) throw new AiaaError('AIAA_HTTP_STATUS', `model: the server has no model "${name}"`, { details: { status: 404, model: name } });
      return found;
    },

    async createSession(image, call = {}) {
      const { expirySec = 0, ...rest } = call;
      if (!Number.isSafeInteger(expirySec) || expirySec < 0) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `expirySec must be a non-negative whole number, got ${expirySec}`, { details: { expirySec } });
      }
      const file = await imageField('image', image, 'image', 'createSession');
      const reply = await send(
        { operation: 'createSession', method: 'PUT', path: '/session/', query: { expiry: String(expirySec) }, body: buildMultipart([], file), idempotent: false, ...rest },
        false,
      );
      const info = jsonOf(reply, 'createSession');
      const id = info && typeof info === 'object' ? (info as Record<string, unknown>)['session_id'] : undefined;
      if (typeof id !== 'string' || id === '') {
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'createSession: the reply has no session_id', { details: { operation: 'createSession' } });
      }
      return makeSession(id, info as Record<string, unknown>, removeSession);
    },

    attachSession(id) {
      checkName(id, 'attachSession');
      return makeSession(id, { session_id: id }, removeSession);
    },

    async getSession(session, call = {}) {
      const id = typeof session === 'string' ? session : session.id;
      checkName(id, 'getSession');
      const reply = await send({ operation: 'getSession', method: 'GET', path: `/session/${encodeURIComponent(id)}`, idempotent: true, ...call }, true);
      const value = jsonOf(reply, 'getSession');
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'getSession: expected a JSON object', { details: { operation: 'getSession' } });
      }
      return value as Record<string, unknown>;
    },

    async segmentation(model, input, call = {}) {
      const { params = {}, ...rest } = call;
      return segmentationResult(await runModel('segmentation', '/v1/segmentation', model, input, { ...params }, rest), 'segmentation');
    },

    async dextr3d(model, input, call) {
      const { params = {}, points, ...rest } = call;
      const checked = checkPoints(points, 'points', 6);
      return segmentationResult(await runModel('dextr3d', '/v1/dextr3d', model, input, { ...params, points: checked }, rest), 'dextr3d');
    },

    async deepgrow(model, input, call) {
      const { params = {}, foreground, background = [], currentPoint, spatialSize, ...rest } = call;
      const body: Record<string, unknown> = {
        ...params,
        foreground: checkPoints(foreground, 'foreground', 1),
        background: checkPoints(background, 'background'),
      };
      if (currentPoint !== undefined) body['current_point'] = checkPoint(currentPoint, 'currentPoint');
      if (spatialSize !== undefined) {
        if (!Array.isArray(spatialSize) || !spatialSize.every((n) => Number.isSafeInteger(n) && n > 0)) {
          throw new AiaaError('AIAA_INVALID_ARGUMENT', 'spatialSize must be positive whole numbers', { details: { argument: 'spatialSize' } });
        }
        body['spatial_size'] = [...spatialSize];
      }
      return deepgrowResult(await runModel('deepgrow', '/v1/deepgrow', model, input, body, rest), 'deepgrow');
    },

    async inference(model, input, call = {}) {
      const { params = {}, ...rest } = call;
      const reply = await runModel('inference', '/v1/inference', model, input, { ...params }, rest);
      if (reply.kind === 'json') return { kind: 'json', value: reply.value };
      return { kind: 'mask', ...maskResult(reply, 'inference') };
    },

    async maskToPolygons(mask, call = {}) {
      const { pointRatio = 1, ...rest } = call;
      if (!Number.isSafeInteger(pointRatio) || pointRatio < 1) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `pointRatio must be a whole number >= 1, got ${pointRatio}`, { details: { pointRatio } });
      }
      const file = await imageField('datapoint', mask, 'mask', 'maskToPolygons');
      const reply = await send(
        {
          operation: 'maskToPolygons',
          method: 'POST',
          path: '/v1/mask2polygon',
          body: buildMultipart([{ name: 'params', value: JSON.stringify({ more_points: pointRatio }) }], file),
          idempotent: false,
          ...rest,
        },
        false,
      );
      const polygons = asVolumePolygons(jsonOf(reply, 'maskToPolygons'));
      if (!polygons) throw new AiaaError('AIAA_INVALID_RESPONSE', 'maskToPolygons: expected per-slice polygon lists', { details: { operation: 'maskToPolygons' } });
      return polygons;
    },

    async fixPolygon(image, call) {
      const { signal, timeoutMs, onProgress } = call;
      const params: Record<string, unknown> = {
        poly: call.polygons,
        vertex_offset: [...call.vertexOffset],
        dimension: call.dimension,
        polygon_index: call.polygonIndex,
        vertex_index: call.vertexIndex,
        propagate_neighbor: call.propagateNeighbor ?? 1,
      };
      if (call.dimension === 3) {
        params['slice_index'] = call.sliceIndex;
        params['propagate_neighbor_3d'] = call.propagateNeighbor3d ?? 0;
      }
      for (const key of ['polygon_index', 'vertex_index', 'propagate_neighbor', ...(call.dimension === 3 ? ['slice_index', 'propagate_neighbor_3d'] : [])]) {
        const n = params[key];
        if (!Number.isSafeInteger(n) || (n as number) < 0) {
          throw new AiaaError('AIAA_INVALID_ARGUMENT', `fixPolygon: ${key} must be a non-negative whole number`, { details: { argument: key } });
        }
      }
      const file = await imageField('datapoint', image, 'image', 'fixPolygon');
      const reply = await send(
        {
          operation: 'fixPolygon',
          method: 'POST',
          path: '/v1/fixpolygon',
          body: buildMultipart([{ name: 'params', value: JSON.stringify(params) }], file),
          idempotent: false,
          signal,
          timeoutMs,
          onProgress,
        },
        false,
      );
      return fixPolygonResult(reply, 'fixPolygon', call.dimension);
    },

    async close() {
      if (closed) return;
      closed = true;
      await http.close();
    },

    [Symbol.asyncDispose]() {
      return client.close();
    },
  };
  return client;
}

function parseBaseUrl(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch (error) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `baseUrl is not a URL: "${String(value).slice(0, 200)}"`, { details: { argument: 'baseUrl' }, cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `baseUrl must be http: or https:, got ${url.protocol}`, { details: { argument: 'baseUrl', protocol: url.protocol } });
  }
  if (url.username || url.password) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', 'baseUrl must not carry credentials: AIAA has no authentication', { details: { argument: 'baseUrl' } });
  }
  return url;
}

async function imageField(name: string, data: AiaaImage, stem: string, operation: string) {
  if (!(data instanceof Uint8Array) && !(data instanceof Blob)) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: the image must be a Uint8Array, a Blob or a session`, { details: { operation } });
  }
  // Servers pick the reader by extension, so the name follows the content; it never names a local file.
  const fileName = `${stem}${(await isGzipImage(data)) ? '.nii.gz' : '.nii'}`;
  return { name, fileName, contentType: 'application/octet-stream', data };
}

function jsonOf(reply: Reply, operation: string): unknown {
  if (reply.kind === 'json') return reply.value;
  if (reply.kind === 'other') throw unexpectedType(reply.contentType, operation);
  throw unexpectedType('multipart', operation);
}

const OWN_HEADERS = new Set(['content-type', 'content-length', 'accept', 'host', 'transfer-encoding', 'connection']);

/** Extra headers, checked before anything is sent: names and values a server would take as meant. */
function checkHeaders(headers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(lower) || OWN_HEADERS.has(lower)) {
      throw new AiaaError('AIAA_INVALID_ARGUMENT', `the header "${name.slice(0, 60)}" cannot be set (not a header name, or one the client sets itself)`, { details: { header: name.slice(0, 60) } });
    }
    // The value is not quoted in the message: it is likely a secret.
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new AiaaError('AIAA_INVALID_ARGUMENT', `the value of header "${lower}" must be a string without line breaks`, { details: { header: lower } });
    }
    out[lower] = value;
  }
  return out;
}

function checkName(value: string, operation: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: a non-empty name is required`, { details: { operation } });
  }
}

