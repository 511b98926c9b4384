/**
 * The interactive loop that a viewer codes against once, for both server generations: list models with
 * their labels, upload an image once, segment automatically, refine with foreground/background clicks,
 * save the validated mask, and let the server train. AIAA v1 servers (DeepGrow) and MONAI Label servers
 * (DeepGrow, DeepEdit) implement it alike.
 *
 * @packageDocumentation
 */
export { connectAnnotationServer, detectProtocol } from './connect.js';
export type { ConnectAnnotationServerOptions } from './connect.js';
export { annotationServerFromAiaa } from './from-aiaa.js';
export type { AiaaAnnotationOptions } from './from-aiaa.js';
export { annotationServerFromMonaiLabel } from './from-monai-label.js';
export type { MonaiLabelAnnotationOptions } from './from-monai-label.js';
export { kindOfType } from './annotation-server.js';
export type {
  AnnotationServer,
  AnnotationProtocol,
  AnnotationCapabilities,
  AnnotationModel,
  AnnotationModelKind,
  AnnotationLabel,
  AnnotationImage,
  AnnotationStorage,
  AnnotationMask,
  AnnotationClicks,
  AnnotationCallOptions,
  OpenImageOptions,
  SaveAnnotationOptions,
  SavedAnnotation,
  TrainOptions,
  TrainingOutcome,
} from './annotation-server.js';
export type { VoxelPoint } from '../points.js';
export type { AiaaImage } from '../connection/multipart-writer.js';
