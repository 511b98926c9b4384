/**
 * A typed client for **MONAI Label** servers, the successor of Clara AIAA that 3D Slicer and OHIF users run:
 * `/info/`, inference by datastore id, upload or session in every output form, sessions (one image or a
 * DICOM series), the datastore (images, labels by tag, checksums, info, the dataset zip), active learning,
 * training, scoring and batch inference as background tasks, model weights, logs, and authentication. It
 * shares the AIAA v1 client's connection: the same HTTP back ends (undici in Node, `fetch` in browsers),
 * timeouts, retries, progress and {@link AiaaError} codes.
 *
 * @packageDocumentation
 */
export { createMonaiLabelClient } from './client.js';
export type { MonaiLabelClient, MonaiLabelClientOptions, StartBatchInferenceOptions } from './client.js';
export type { MonaiLabelCallOptions, DownloadedFile } from './context.js';
export { parseInfo, parseModel, parseDatastoreStats, labelsOf } from './info.js';
export type {
  MonaiLabelInfo,
  MonaiLabelModel,
  MonaiLabelModelType,
  MonaiLabelLabel,
  MonaiLabelTask,
  MonaiLabelDatastoreStats,
} from './info.js';
export type {
  MonaiLabelInput,
  MonaiLabelOutput,
  MonaiLabelInferOptions,
  MonaiLabelInferResult,
  MonaiLabelLabelInfo,
  MonaiLabelInferCalls,
} from './infer.js';
export { isMonaiLabelSession, parseSessionInfo } from './sessions.js';
export type {
  MonaiLabelSession,
  MonaiLabelSessionInfo,
  SessionFile,
  CreateMonaiLabelSessionOptions,
  MonaiLabelSessionCalls,
} from './sessions.js';
export type {
  MonaiLabelDatastoreCalls,
  MonaiLabelDatastoreContents,
  MonaiLabelDatastoreObject,
  MonaiLabelTrainingPair,
  MonaiLabelSavedLabel,
  SaveLabelOptions,
  EnsuredImage,
} from './datastore.js';
export { parseTaskStatus, isTaskFinished } from './tasks.js';
export type { MonaiLabelTaskStatus, MonaiLabelTaskState, StartTaskOptions, WaitForTaskOptions } from './tasks.js';
export { parseModelFileInfo } from './model-files.js';
export type { MonaiLabelModelFileInfo, MonaiLabelModelFileCalls } from './model-files.js';
export type { MonaiLabelSample } from './active-learning.js';
export { parseAuthInfo, jwtExpiryMs } from './auth.js';
export type { MonaiLabelAuth, MonaiLabelAuthInfo } from './auth.js';
export { AiaaError } from '../errors.js';
export type { AiaaErrorCode } from '../errors.js';
export type { AiaaImage } from '../connection/multipart-writer.js';
export type { VoxelPoint } from '../points.js';
export { MAX_POINTS } from '../points.js';
export { DEFAULT_MAX_JSON_BYTES, DEFAULT_MAX_VOLUME_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from '../connection/connection.js';
export type { ConnectionOptions, AiaaTlsOptions } from '../connection/connection.js';
export type { AiaaRetryOptions } from '../connection/exchange.js';
