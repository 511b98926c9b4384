import type { CallOptions, ProgressCallback } from '@medaas/core';
import { openConnection, type ConnectionOptions, type RequestSpec } from '../connection/connection.js';
import { imageFileField } from '../connection/image-file.js';
import { buildMultipart, type AiaaImage, type TextField } from '../connection/multipart-writer.js';
import type { Reply } from '../connection/exchange.js';
import { wrongProtocolOr } from '../connection/protocol-probe.js';
import { guardSecrets } from '../connection/secret-guard.js';
import { AiaaError } from '../errors.js';
import { checkPoint, checkPoints, type SlicePolygons, type VoxelPoint } from '../points.js';
import { adminCalls, type PutModelInput } from './admin.js';
import { parseModelList, type AiaaModel, type AiaaModelType } from './models.js';
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

export { DEFAULT_INFERENCE_TIMEOUT_MS, DEFAULT_METADATA_TIMEOUT_MS, type AiaaTlsOptions } from '../connection/connection.js';

/** Options of {@link createAiaaClient}: how to reach the server (see {@link ConnectionOptions}). */
export type AiaaClientOptions = ConnectionOptions;

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
  /**
   * Lists models, optionally only those for a label and/or of a type.
   *
   * @example
   * ```ts
   * const models = await client.listModels({ type: 'deepgrow', label: 'spleen' });
   * console.log(models.map((model) => model.name));
   * ```
   */
  listModels(options?: ListModelsOptions): Promise<AiaaModel[]>;
  /**
   * Describes one model (`?model=`), accepting a single object or an array as servers differ.
   *
   * @example
   * ```ts
   * const model = await client.model('clara_pt_spleen_ct_segmentation');
   * console.log(model.type, model.labels); // 'segmentation' [ 'spleen' ]
   * ```
   */
  model(name: string, options?: CallOptions): Promise<AiaaModel>;
  /**
   * Uploads an image once and keeps it on the server for later calls.
   *
   * @example
   * ```ts
   * await using session = await client.createSession(await openImageFile('ct.nii.gz'), { expirySec: 3600 });
   * const { mask } = await client.segmentation('clara_pt_spleen_ct_segmentation', session); // sends only the id
   * ```
   */
  createSession(image: AiaaImage, options?: CreateSessionOptions): Promise<AiaaSession>;
  /**
   * A handle for a session created earlier (e.g. an id kept by a viewer).
   *
   * @example
   * ```ts
   * const session = client.attachSession(localStorage.getItem('aiaa-session')!);
   * const { mask } = await client.deepgrow('clara_pt_deepgrow_3d_annotation', session, { foreground: [[120, 88, 40]] });
   * ```
   */
  attachSession(id: string): AiaaSession;
  /**
   * The server's details of a session.
   *
   * @example
   * ```ts
   * console.log(await client.getSession(session)); // the server's record of the session, as it sends it
   * ```
   */
  getSession(session: AiaaSession | string, options?: CallOptions): Promise<Record<string, unknown>>;
  /**
   * Automatic segmentation of the image or the session's image.
   *
   * @example
   * ```ts
   * const { mask, points } = await client.segmentation('clara_pt_spleen_ct_segmentation', await openImageFile('ct.nii.gz'));
   * await writeFile('spleen.nii.gz', mask); // points: extreme points to refine with dextr3d
   * ```
   */
  segmentation(model: string, input: AiaaInput, options?: ModelCallOptions): Promise<SegmentationResult>;
  /**
   * DEXTR3D from extreme points. Without a session the points are indices of `image` as sent (see `./dextr3d` for client-side cropping).
   *
   * @example
   * ```ts
   * const { points } = await client.segmentation('clara_pt_spleen_ct_segmentation', session);
   * const { mask } = await client.dextr3d('clara_pt_spleen_ct_annotation', session, { points });
   * ```
   */
  dextr3d(model: string, input: AiaaInput, options: Dextr3dOptions): Promise<SegmentationResult>;
  /**
   * DeepGrow 2-D or 3-D from foreground and background clicks.
   *
   * @example
   * ```ts
   * const { mask, crop } = await client.deepgrow('clara_pt_deepgrow_3d_annotation', session, {
   *   foreground: [[120, 88, 40]],
   *   background: [[60, 90, 40]],
   * });
   * // crop: the box that changed, to merge into the viewer's label map; undefined for the whole mask
   * ```
   */
  deepgrow(model: string, input: AiaaInput, options: DeepgrowOptions): Promise<DeepgrowResult>;
  /**
   * Generic inference: a mask (multipart reply) or JSON (e.g. classification).
   *
   * @example
   * ```ts
   * const result = await client.inference('classification_chest_xray', image, { params: { threshold: 0.5 } });
   * if (result.kind === 'json') console.log(result.value);
   * else await writeFile('result.nii.gz', result.mask);
   * ```
   */
  inference(model: string, input: AiaaInput, options?: ModelCallOptions): Promise<InferenceResult>;
  /**
   * Polygons of a binary 3-D mask, one list per slice.
   *
   * @example
   * ```ts
   * const slices = await client.maskToPolygons(mask, { pointRatio: 4 });
   * console.log(slices[40]?.length, 'polygons on slice 40');
   * ```
   */
  maskToPolygons(mask: AiaaImage, options?: MaskToPolygonsOptions): Promise<SlicePolygons[]>;
  /**
   * Moves one polygon vertex and returns the updated polygons and mask.
   *
   * @example
   * ```ts
   * const slices = await client.maskToPolygons(mask);
   * const fixed = await client.fixPolygon(image, {
   *   dimension: 3,
   *   polygons: slices,
   *   sliceIndex: 40,
   *   polygonIndex: 0,
   *   vertexIndex: 3,
   *   vertexOffset: [2, -1],
   * });
   * await writeFile('fixed.nii.gz', fixed.mask);
   * ```
   */
  fixPolygon(image: AiaaImage, options: FixPolygonOptions): Promise<FixPolygonResult>;
  /**
   * Loads (or replaces) a model through the admin API: `PUT /admin/model/{name}` with the AIAA config and
   * the weights. A server that refuses the model answers 4xx and keeps serving the previous one.
   *
   * @example
   * ```ts
   * await client.putModel('spleen', {
   *   config: await readFile('config/config_aiaa.json', 'utf8'),
   *   weights: await readFile('models/model.ts'),
   * });
   * ```
   */
  putModel(name: string, input: PutModelInput, options?: AiaaCallOptions): Promise<Record<string, unknown>>;
  /**
   * The config of a loaded model (`GET /admin/model/{name}`).
   *
   * @example
   * ```ts
   * const config = await client.getModelConfig('spleen');
   * console.log(config['labels']);
   * ```
   */
  getModelConfig(name: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /**
   * Unloads a model (`DELETE /admin/model/{name}`).
   *
   * @example
   * ```ts
   * await client.deleteModel('spleen');
   * ```
   */
  deleteModel(name: string, options?: CallOptions): Promise<void>;
  /**
   * Closes the client's own connection pool (an injected dispatcher is left open). Idempotent.
   *
   * @example
   * ```ts
   * const client = createAiaaClient({ baseUrl: 'http://127.0.0.1:5000' });
   * try {
   *   console.log(await client.listModels());
   * } finally {
   *   await client.close();
   * }
   * ```
   */
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
  const connection = openConnection(options, 'aiaa');
  const baseUrl = connection.baseUrl;

  const send = async (spec: Omit<RequestSpec, 'kind'>, metadata: boolean): Promise<Reply> => {
    try {
      return await connection.send({ ...spec, kind: metadata ? 'metadata' : 'model' });
    } catch (error) {
      // A 404 from the model list is what a MONAI Label server answers: name the protocol instead.
      if (spec.path === '/v1/models' && spec.query?.['model'] === undefined && spec.signal?.aborted !== true)
        throw await wrongProtocolOr(error, connection, 'aiaa', { signal: spec.signal, timeoutMs: spec.timeoutMs });
      throw error;
    }
  };

  const removeSession = async (id: string, call: CallOptions): Promise<void> => {
    await send(
      { operation: 'closeSession', method: 'DELETE', path: `/session/${encodeURIComponent(id)}`, idempotent: true, ...call },
      true,
    );
  };

  /** Runs a model endpoint: `params` plus the image, or only `params` and `session_id` with a session. */
  const runModel = async (
    operation: string,
    path: string,
    model: string,
    input: AiaaInput,
    params: Record<string, unknown>,
    call: AiaaCallOptions,
  ): Promise<Reply> => {
    checkName(model, operation);
    const session = isAiaaSession(input) ? input : undefined;
    const fields: TextField[] = [{ name: 'params', value: JSON.stringify(params) }];
    const file = session ? undefined : await imageFileField('datapoint', input as AiaaImage, 'image', operation);
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
      const reply = await send(
        { operation: 'listModels', method: 'GET', path: '/v1/models', query: { label, type }, idempotent: true, ...rest },
        true,
      );
      return parseModelList(jsonOf(reply, 'listModels'), 'listModels');
    },

    async model(name, call = {}) {
      checkName(name, 'model');
      const reply = await send(
        { operation: 'model', method: 'GET', path: '/v1/models', query: { model: name }, idempotent: true, ...call },
        true,
      );
      const models = parseModelList(jsonOf(reply, 'model'), 'model');
      const found = models.find((m) => m.name === name) ?? (models.length === 1 ? models[0] : undefined);
      // The server answered (200) without this model: not an HTTP failure, so no status is made up for it.
      if (!found)
        throw new AiaaError(
          'AIAA_MODEL_NOT_FOUND',
          `model: the server has no model "${name}" (it listed ${models.map((m) => m.name).join(', ') || 'none'})`,
          { details: { model: name } },
        );
      return found;
    },

    async createSession(image, call = {}) {
      const { expirySec = 0, ...rest } = call;
      if (!Number.isSafeInteger(expirySec) || expirySec < 0) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `expirySec must be a non-negative whole number, got ${expirySec}`, {
          details: { expirySec },
        });
      }
      const file = await imageFileField('image', image, 'image', 'createSession');
      const reply = await send(
        {
          operation: 'createSession',
          method: 'PUT',
          path: '/session/',
          query: { expiry: String(expirySec) },
          body: buildMultipart([], file),
          idempotent: false,
          ...rest,
        },
        false,
      );
      const info = jsonOf(reply, 'createSession');
      const id = info && typeof info === 'object' ? (info as Record<string, unknown>)['session_id'] : undefined;
      if (typeof id !== 'string' || id === '') {
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'createSession: the reply has no session_id', {
          details: { operation: 'createSession' },
        });
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
      const reply = await send(
        { operation: 'getSession', method: 'GET', path: `/session/${encodeURIComponent(id)}`, idempotent: true, ...call },
        true,
      );
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
          throw new AiaaError('AIAA_INVALID_ARGUMENT', 'spatialSize must be positive whole numbers', {
            details: { argument: 'spatialSize' },
          });
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
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `pointRatio must be a whole number >= 1, got ${pointRatio}`, {
          details: { pointRatio },
        });
      }
      const file = await imageFileField('datapoint', mask, 'mask', 'maskToPolygons');
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
      if (!polygons)
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'maskToPolygons: expected per-slice polygon lists', {
          details: { operation: 'maskToPolygons' },
        });
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
      for (const key of [
        'polygon_index',
        'vertex_index',
        'propagate_neighbor',
        ...(call.dimension === 3 ? ['slice_index', 'propagate_neighbor_3d'] : []),
      ]) {
        const n = params[key];
        if (!Number.isSafeInteger(n) || (n as number) < 0) {
          throw new AiaaError('AIAA_INVALID_ARGUMENT', `fixPolygon: ${key} must be a non-negative whole number`, {
            details: { argument: key },
          });
        }
      }
      const file = await imageFileField('datapoint', image, 'image', 'fixPolygon');
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

    close() {
      return connection.close();
    },

    [Symbol.asyncDispose]() {
      return client.close();
    },
  };
  // Errors built from a reply after the exchange (a content type, a field) are scrubbed of secrets too.
  return guardSecrets(client, connection.scrub);
}

function jsonOf(reply: Reply, operation: string): unknown {
  if (reply.kind === 'json') return reply.value;
  if (reply.kind === 'other') throw unexpectedType(reply.contentType, operation);
  throw unexpectedType('multipart', operation);
}

function checkName(value: string, operation: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: a non-empty name is required`, { details: { operation } });
  }
}
