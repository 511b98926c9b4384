import { TestkitError } from './errors.js';

/**
 * The limits on what one request may make the test server do, in both faces (`startTestServer`'s `limits`).
 * Each is checked before the work it bounds (an image's size from its header before it is inflated, a point
 * count before the points are read), and exceeding one is answered with a 4xx (or 503 when the server is
 * busy) and a message naming the limit, never a hang, a crash or unbounded memory. The defaults suit a
 * 2-core machine with 24 GiB.
 */
export interface TestServerLimits {
  /** Largest request body, in bytes (413). Default `maxDecodedBytes` + 64 MiB: the largest image uncompressed, with room for its form. */
  readonly maxUploadBytes?: number;
  /** Largest `params` field of a multipart request, in bytes (413). Default 16 MiB. */
  readonly maxParamsBytes?: number;
  /** Largest JSON or form body (MONAI Label's task, info and token bodies), in bytes (413). Default 1 MiB. */
  readonly maxJsonBodyBytes?: number;
  /** Deepest nesting of arrays and objects in JSON a client sends (400/422). Default 64. */
  readonly maxJsonDepth?: number;
  /** An upload that sends no bytes for this long is dropped (408). Default 30 000 ms. */
  readonly bodyIdleTimeoutMs?: number;
  /** A request whose headers and body have not all arrived after this long is dropped (Node's `requestTimeout`). Default 300 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Largest decoded image (voxel data, from the header, before inflating), in bytes (413). Default 1 GiB. */
  readonly maxDecodedBytes?: number;
  /** Most voxels in an image (413): the algorithms keep a few bytes per voxel. Default 2^28 (268 M, a 512x512x1024 CT). */
  readonly maxVoxels?: number;
  /**
   * A gzip upload may inflate to at most this many times its compressed size, once it inflates to more than
   * `gzipRatioFreeBytes` (413): checked from the header, and counted while inflating. Default 64.
   */
  readonly maxGzipRatio?: number;
  /** Inflated bytes any gzip upload may reach whatever its ratio (an empty mask compresses 1000:1). Default 256 MiB. */
  readonly gzipRatioFreeBytes?: number;
  /** Largest `vox_offset` of a `.nii.gz` (the header and its extensions, held before the voxels) (422). Default 16 MiB. */
  readonly maxVoxOffsetBytes?: number;
  /** Multipart requests (uploads) read, decoded and computed at once. Default 2 (the cores). */
  readonly maxConcurrentUploads?: number;
  /** Uploads waiting for a turn; one more is answered 503 with `Retry-After`. Default 16. */
  readonly maxQueuedUploads?: number;
  /** How long an upload waits for a turn before it is answered 503 with `Retry-After`. Default 30 000 ms. */
  readonly uploadQueueTimeoutMs?: number;
  /** Most points in one list (DEXTR3D `points`, DeepGrow/DeepEdit clicks) (413). Default 10 000. */
  readonly maxPoints?: number;
  /** Most polygons in a fixpolygon request (413). Default 100 000. */
  readonly maxPolygons?: number;
  /** Most polygon vertices in a fixpolygon request or a mask2polygon answer (413). Default 1 000 000. */
  readonly maxPolygonVertices?: number;
  /** How far outside the image a polygon vertex may lie, in pixels (400). Default 1024. */
  readonly polygonMarginPx?: number;
  /**
   * Most steps rasterizing a fixpolygon request's polygons may take, counted from the vertices before any
   * is drawn: each polygon's bounding box within the image, plus each edge's rows and pixels within it (413).
   * Default 100 000 000 (well under a second).
   */
  readonly maxRasterSteps?: number;
  /** Largest model upload (`PUT /admin/model/{name}`, MONAI Label's `PUT /model/{name}`), in bytes (413). Default 64 MiB. */
  readonly maxModelBytes?: number;
  /** Most models an AIAA server holds; loading one more under a new name is refused (409). Default 64. */
  readonly maxModels?: number;
  /** MONAI Label: tasks of one kind waiting behind the running one (`enqueue=true`); one more is answered 429. Default 8. */
  readonly maxQueuedTasks?: number;
  /** MONAI Label: images in the datastore; one more is refused (413). Default 10 000. */
  readonly maxDatastoreImages?: number;
  /** MONAI Label: largest `GET /datastore/dataset` zip, from the files' sizes before reading them (413). Default 2 GiB. */
  readonly maxDatasetBytes?: number;
  /** MONAI Label: decoded bytes of all the pairs one training run holds (the task fails with the reason). Default 4 GiB. */
  readonly maxTrainingBytes?: number;
  /** MONAI Label: most epochs a training request may ask for (`max_epochs`; more is 422). Default 1000. */
  readonly maxEpochs?: number;
}

/** Every limit with its value (what the server runs with). */
export type ResolvedLimits = { readonly [K in keyof TestServerLimits]-?: number };

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * The default limits, sized for a 2-core machine with 24 GiB of memory; `maxUploadBytes` is not here, it
 * follows `maxDecodedBytes` (+ 64 MiB).
 *
 * @example
 * ```ts
 * await using server = await startTestServer({ limits: { maxDecodedBytes: 4 * DEFAULT_LIMITS.maxDecodedBytes } });
 * ```
 */
export const DEFAULT_LIMITS: Readonly<Required<Omit<TestServerLimits, 'maxUploadBytes'>>> = Object.freeze({
  maxParamsBytes: 16 * MiB,
  maxJsonBodyBytes: MiB,
  maxJsonDepth: 64,
  bodyIdleTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  maxDecodedBytes: GiB,
  maxVoxels: 2 ** 28,
  maxGzipRatio: 64,
  gzipRatioFreeBytes: 256 * MiB,
  maxVoxOffsetBytes: 16 * MiB,
  maxConcurrentUploads: 2,
  maxQueuedUploads: 16,
  uploadQueueTimeoutMs: 30_000,
  maxPoints: 10_000,
  maxPolygons: 100_000,
  maxPolygonVertices: 1_000_000,
  polygonMarginPx: 1024,
  maxRasterSteps: 100_000_000,
  maxModelBytes: 64 * MiB,
  maxModels: 64,
  maxQueuedTasks: 8,
  maxDatastoreImages: 10_000,
  maxDatasetBytes: 2 * GiB,
  maxTrainingBytes: 4 * GiB,
  maxEpochs: 1000,
});

/** Limits that may be 0 (nothing queued); the others must be at least 1. */
const MAY_BE_ZERO: ReadonlySet<string> = new Set(['maxQueuedUploads', 'maxQueuedTasks', 'polygonMarginPx']);

/**
 * The limits in force: the defaults, overridden by `limits`, with `maxUploadBytes` (when given outside
 * `limits`, the older option) as a fallback for `limits.maxUploadBytes`.
 *
 * @throws {TestkitError} `TESTKIT_INVALID_OPTIONS` for a limit that is not a whole number (or 0 where that
 *   makes no sense), or an unknown limit name.
 */
export function resolveLimits(limits: TestServerLimits = {}, maxUploadBytes?: number): ResolvedLimits {
  const known = new Set([...Object.keys(DEFAULT_LIMITS), 'maxUploadBytes']);
  for (const key of Object.keys(limits)) {
    if (!known.has(key)) throw new TestkitError('TESTKIT_INVALID_OPTIONS', `unknown limit "${key}"`, { details: { limit: key } });
  }
  const merged: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits)) if (value !== undefined) merged[key] = value as number;
  merged['maxUploadBytes'] = limits.maxUploadBytes ?? maxUploadBytes ?? merged['maxDecodedBytes']! + 64 * MiB;
  for (const [key, value] of Object.entries(merged)) {
    const least = MAY_BE_ZERO.has(key) ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) {
      throw new TestkitError('TESTKIT_INVALID_OPTIONS', `limits.${key} must be a whole number >= ${least}, not ${String(value)}`, {
        details: { limit: key, value },
      });
    }
  }
  return merged as ResolvedLimits;
}
