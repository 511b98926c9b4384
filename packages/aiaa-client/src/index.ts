/**
 * A typed client for NVIDIA Clara AI-Assisted Annotation (AIAA) v1 servers: models, sessions,
 * segmentation, DEXTR3D, DeepGrow 2-D/3-D, generic inference, mask-to-polygon and polygon fixing. Uploads
 * stream, multipart replies are parsed as they arrive, every call is cancellable and every failure is a
 * typed {@link AiaaError}. DEXTR3D client-side cropping lives in `@medaas/aiaa-client/dextr3d`; Node file
 * helpers in `@medaas/aiaa-client/node`.
 *
 * @packageDocumentation
 */
export { createAiaaClient, DEFAULT_INFERENCE_TIMEOUT_MS, DEFAULT_METADATA_TIMEOUT_MS } from './aiaa/client.js';
export { DEFAULT_MAX_JSON_BYTES, DEFAULT_MAX_VOLUME_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from './connection/connection.js';
export { MAX_POINTS } from './points.js';
export type {
  AiaaClient,
  AiaaClientOptions,
  AiaaCallOptions,
  AiaaInput,
  AiaaTlsOptions,
  ListModelsOptions,
  CreateSessionOptions,
  ModelCallOptions,
  Dextr3dOptions,
  DeepgrowOptions,
  MaskToPolygonsOptions,
  FixPolygonOptions,
} from './aiaa/client.js';
export type { ConnectionOptions } from './connection/connection.js';
export { AiaaError } from './errors.js';
export type { PutModelInput, AiaaModelConfig } from './aiaa/admin.js';
export type { AiaaErrorCode } from './errors.js';
export type { AiaaModel, AiaaModelType } from './aiaa/models.js';
export type { AiaaImage } from './connection/multipart-writer.js';
export { parseMultipart, boundaryOf, parseDisposition } from './connection/multipart-parser.js';
export type { MultipartPart, MultipartLimits } from './connection/multipart-parser.js';
export type { VoxelPoint, Polygon, SlicePolygons, VoxelBox } from './points.js';
export type { MaskResult, SegmentationResult, DeepgrowResult, InferenceResult, FixPolygonResult } from './aiaa/results.js';
export { isAiaaSession } from './aiaa/session.js';
export type { AiaaSession } from './aiaa/session.js';
export type { AiaaRetryOptions } from './connection/exchange.js';
