import type { CallOptions, ProgressCallback } from '@medaas/core';
import type { AnnotationProtocol } from '../connection/protocol-probe.js';
import type { AiaaImage } from '../connection/multipart-writer.js';
import type { VoxelPoint } from '../points.js';

export type { AnnotationProtocol } from '../connection/protocol-probe.js';

/** A label a model produces: its name and the voxel value it is written with. */
export interface AnnotationLabel {
  readonly name: string;
  readonly value: number;
}

/**
 * What a viewer can do with a model: `segmentation` runs on the whole image without input, `interactive`
 * takes foreground/background clicks (AIAA DeepGrow; MONAI Label DeepGrow and DeepEdit), `other` takes
 * something else (extreme points, scribbles, classification).
 */
export type AnnotationModelKind = 'segmentation' | 'interactive' | 'other';

/** A model, described the same way for both protocols. */
export interface AnnotationModel {
  readonly name: string;
  readonly kind: AnnotationModelKind;
  /** The server's own type (`segmentation`, `deepgrow`, `deepedit`, `annotation`, ...). */
  readonly type: string;
  /** The labels in value order (a label list numbers them from 1). */
  readonly labels: readonly AnnotationLabel[];
  /** 2 or 3, when the server says. */
  readonly dimension: 2 | 3 | undefined;
  readonly description: string;
}

/** Where an opened image lives on the server. */
export type AnnotationStorage = 'session' | 'datastore';

/**
 * An image uploaded once for a run of calls: a session (AIAA; MONAI Label on request) or a datastore image
 * (MONAI Label's default). A session that expires is re-created from the same bytes on the next call, once.
 */
export interface AnnotationImage extends AsyncDisposable {
  /** The session id, or the datastore image id. */
  readonly id: string;
  readonly storage: AnnotationStorage;
  /** How many times the image's bytes were sent: 0 when the datastore already had it (checked by checksum). */
  readonly uploads: number;
  /**
   * Ends a session on the server (a datastore image stays). Idempotent.
   *
   * @example
   * ```ts
   * const image = await server.openImage(await openImageFile('ct.nii.gz'));
   * try {
   *   await server.segment('segmentation_spleen', image);
   * } finally {
   *   await image.close();
   * }
   * ```
   */
  close(options?: CallOptions): Promise<void>;
}

/** A mask the server returned: NIfTI bytes on the image's grid, and which labels its values mean. */
export interface AnnotationMask {
  readonly mask: Uint8Array;
  readonly labels: readonly AnnotationLabel[];
  /** The reply's params as the server sent them. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Clicks of one interactive call, voxel indices `[i, j, k]` of the image. */
export interface AnnotationClicks {
  /** Inside the structure; at least one. */
  readonly foreground: readonly VoxelPoint[];
  /** Outside it. */
  readonly background?: readonly VoxelPoint[];
  /** For models of several labels (DeepEdit): which label the foreground clicks are for. Default its first. */
  readonly label?: string;
}

/** Options of calls that send data. */
export interface AnnotationCallOptions extends CallOptions {
  readonly onProgress?: ProgressCallback;
}

/** Options of {@link AnnotationServer.openImage}. */
export interface OpenImageOptions extends AnnotationCallOptions {
  /** Default: `datastore` on MONAI Label (uploaded only when missing), `session` on AIAA. */
  readonly storage?: AnnotationStorage;
  /** The datastore id. Default: derived from the image's SHA-256, so the same image gets the same id. */
  readonly id?: string;
  /** A session's lifetime in seconds after its last use. Default the server's. */
  readonly expirySec?: number;
}

/** What saving a validated mask did. */
export interface SavedAnnotation {
  /** The image it belongs to (datastore id). */
  readonly image: string;
  readonly tag: string;
  /** Whatever the server or the save handler answered. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Options of {@link AnnotationServer.saveLabel}. */
export interface SaveAnnotationOptions extends AnnotationCallOptions {
  /** Default `final`: a label a person validated. */
  readonly tag?: string;
  /** The mask's labels, saved with it. */
  readonly labels?: readonly AnnotationLabel[];
}

/** How a server-side training run ended: an outcome, not an exception. */
export interface TrainingOutcome {
  readonly state: 'done' | 'error' | 'stopped';
  /** The trainer that ran. */
  readonly model: string;
  /** The task's last log lines. */
  readonly logTail: readonly string[];
}

/** Options of {@link AnnotationServer.train}. */
export interface TrainOptions extends CallOptions {
  /** The trainer. Default the server's first. */
  readonly model?: string;
  /** Overrides of the trainer's config, e.g. `{ max_epochs: 10 }`. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Every status polled (`state`, last log line). */
  readonly onStatus?: (status: { readonly state: string; readonly lastLine: string | undefined }) => void;
  /** Default 1000 ms. */
  readonly pollIntervalMs?: number;
}

/** What a server can do beyond segmenting and clicking. */
export interface AnnotationCapabilities {
  /** Images persist in a datastore (MONAI Label). */
  readonly datastore: boolean;
  /** Validated masks can be saved through the server (MONAI Label), or through a handler given for AIAA. */
  readonly saveLabel: boolean;
  /** The server trains its models itself (MONAI Label `/train/`); AIAA servers are trained by jobs. */
  readonly training: boolean;
}

/**
 * The interactive loop, the same for an AIAA v1 and a MONAI Label server: a viewer codes against this once.
 *
 * @example
 * ```ts
 * await using server = await connectAnnotationServer({ baseUrl, protocol: 'auto' });
 * const [model] = (await server.listModels()).filter((m) => m.kind === 'interactive');
 * await using image = await server.openImage(await openImageFile('ct.nii.gz'));
 * const { mask } = await server.click(model!.name, image, { foreground: [[120, 88, 40]] });
 * ```
 */
export interface AnnotationServer extends AsyncDisposable {
  readonly protocol: AnnotationProtocol;
  readonly baseUrl: string;
  readonly capabilities: AnnotationCapabilities;
  /**
   * The server's models with their kinds and labels.
   *
   * @example
   * ```ts
   * const models = await server.listModels();
   * const interactive = models.filter((model) => model.kind === 'interactive');
   * ```
   */
  listModels(options?: CallOptions): Promise<AnnotationModel[]>;
  /**
   * Uploads an image once (a session, or the datastore unless it already holds it).
   *
   * @example
   * ```ts
   * await using image = await server.openImage(await openImageFile('ct.nii.gz'), { storage: 'session' });
   * console.log(image.storage, image.uploads);
   * ```
   */
  openImage(image: AiaaImage, options?: OpenImageOptions): Promise<AnnotationImage>;
  /**
   * Automatic segmentation of the image.
   *
   * @example
   * ```ts
   * const { mask, labels } = await server.segment('segmentation_spleen', image);
   * ```
   */
  segment(model: string, image: AnnotationImage, options?: AnnotationCallOptions): Promise<AnnotationMask>;
  /**
   * Segmentation from foreground/background clicks.
   *
   * @example
   * ```ts
   * const { mask } = await server.click('deepedit', image, { foreground: [[120, 88, 40]], background: [[60, 90, 40]], label: 'spleen' });
   * ```
   */
  click(model: string, image: AnnotationImage, clicks: AnnotationClicks, options?: AnnotationCallOptions): Promise<AnnotationMask>;
  /**
   * Saves the validated mask of the image.
   *
   * @throws {AiaaError} `AIAA_UNSUPPORTED` on an AIAA server without a save handler.
   *
   * @example
   * ```ts
   * if (server.capabilities.saveLabel) await server.saveLabel(image, mask, { labels: [{ name: 'spleen', value: 1 }] });
   * ```
   */
  saveLabel(image: AnnotationImage, mask: AiaaImage, options?: SaveAnnotationOptions): Promise<SavedAnnotation>;
  /**
   * Trains a model on the server's validated labels and waits for the end.
   *
   * @throws {AiaaError} `AIAA_UNSUPPORTED` on an AIAA server, or a MONAI Label app without trainers; `AIAA_BUSY` when training already runs.
   *
   * @example
   * ```ts
   * if (server.capabilities.training) {
   *   const outcome = await server.train({ params: { max_epochs: 10 }, onStatus: ({ state, lastLine }) => console.log(state, lastLine) });
   *   if (outcome.state !== 'done') console.error(outcome.logTail.join('\n'));
   * }
   * ```
   */
  train(options?: TrainOptions): Promise<TrainingOutcome>;
  /**
   * Closes the underlying client when this server made it. Idempotent.
   *
   * @example
   * ```ts
   * const server = await connectAnnotationServer({ baseUrl: 'http://127.0.0.1:8000', protocol: 'auto' });
   * try {
   *   console.log(await server.listModels());
   * } finally {
   *   await server.close();
   * }
   * ```
   */
  close(): Promise<void>;
}

/** The model kind of a server's type name. */
export function kindOfType(type: string): AnnotationModelKind {
  if (type === 'segmentation' || type === 'pipeline') return 'segmentation';
  if (type === 'deepgrow' || type === 'deepedit') return 'interactive';
  return 'other';
}
