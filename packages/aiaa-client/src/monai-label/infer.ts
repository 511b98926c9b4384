import { withCallScope } from '@medaas/core';
import { utf8 } from '../connection/bytes.js';
import type { Reply } from '../connection/exchange.js';
import { imageFileField } from '../connection/image-file.js';
import { buildMultipart, type AiaaImage, type FileField } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';
import { checkPoints, type VoxelPoint } from '../points.js';
import { checkId, withClientId, type MonaiLabelCallOptions, type MonaiLabelContext } from './context.js';
import { diagnoseFailure } from './diagnose.js';
import { asRecord } from './json.js';
import { isMonaiLabelSession, type MonaiLabelSession } from './sessions.js';

/** What to run a model on: a datastore image id, an image to upload with the request, or a session. */
export type MonaiLabelInput = string | AiaaImage | MonaiLabelSession;

/** The reply forms of `/infer/{model}` (`output=`). `all` (the default) is the multipart `params` + `image`. */
export type MonaiLabelOutput = 'all' | 'image' | 'json' | 'dicom_seg';

/** One entry of `label_info` (e.g. for DICOM SEG or a saved label): a label's name and value, plus any extra fields. */
export interface MonaiLabelLabelInfo {
  readonly name: string;
  readonly idx: number;
  readonly [extra: string]: unknown;
}

/** Options of {@link MonaiLabelInferCalls.infer}. */
export interface MonaiLabelInferOptions extends MonaiLabelCallOptions {
  /** Free-form `params` (sent as the JSON form field). The fields below are merged into it. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The reply form. Default `all`. */
  readonly output?: MonaiLabelOutput;
  /** DeepGrow clicks inside the structure (`params.foreground`), voxel indices `[i, j, k]` of the image. */
  readonly foreground?: readonly VoxelPoint[];
  /** DeepGrow/DeepEdit clicks outside it (`params.background`). */
  readonly background?: readonly VoxelPoint[];
  /** DeepEdit clicks per label name (`params[label]`), e.g. `{ spleen: [[40, 50, 20]] }`. */
  readonly clicks?: Readonly<Record<string, readonly VoxelPoint[]>>;
  /** Labels for DICOM SEG output or saving (`params.label_info`). */
  readonly labelInfo?: readonly MonaiLabelLabelInfo[];
  /** Where the model runs (`params.device`), e.g. `cpu` or `cuda`. */
  readonly device?: string;
  /** A label to send with the request (the `label` file part), e.g. scribbles on the image's grid. */
  readonly label?: AiaaImage;
  /** The label's file name; `.bin` makes the server convert an OHIF binary label on the image's grid. Default from its content. */
  readonly labelFileName?: string;
}

/** An inference result. */
export type MonaiLabelInferResult =
  | {
      readonly kind: 'mask';
      /** The result file as the server sent it (NIfTI, on the image's grid). */
      readonly mask: Uint8Array;
      /** The file name the server gave it, e.g. `tmpkjvogc86.nii.gz`. */
      readonly fileName: string;
      /** The result's params (`label_names`, `latencies`, ...); empty for `output: 'image'`. */
      readonly params: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'json'; readonly params: Readonly<Record<string, unknown>> }
  | { readonly kind: 'dicom-seg'; readonly dicom: Uint8Array; readonly fileName: string | undefined };

/** The `/infer/{model}` calls. */
export interface MonaiLabelInferCalls {
  /**
   * Runs an infer task (`POST /infer/{model}`). The image is a datastore id (`?image=`), an upload (the
   * `file` part) or a session (`?session_id=`).
   *
   * @throws {AiaaError} `AIAA_MODEL_NOT_FOUND`, `AIAA_IMAGE_NOT_FOUND`, `AIAA_SESSION_EXPIRED` (told apart
   *   after the server's bare 500 by asking `/info/`, the datastore and the session), `AIAA_HTTP_STATUS` for
   *   a failure inside the model, `AIAA_INVALID_ARGUMENT` for bad points.
   *
   * @example
   * ```ts
   * const result = await client.infer('deepedit', 'spleen_10', { clicks: { spleen: [[40, 50, 20]] }, background: [] });
   * if (result.kind === 'mask') await writeFile('spleen.nii.gz', result.mask);
   * ```
   */
  infer(model: string, input: MonaiLabelInput, options?: MonaiLabelInferOptions): Promise<MonaiLabelInferResult>;
  /**
   * Runs an infer task and returns its mask (`output` all).
   *
   * @throws {AiaaError} as {@link MonaiLabelInferCalls.infer}, and `AIAA_RESULT_NOT_FOUND` when the model answers JSON only.
   *
   * @example
   * ```ts
   * const { mask, params } = await client.segment('segmentation_spleen', await openImageFile('ct.nii.gz'));
   * console.log(params['label_names']);
   * ```
   */
  segment(
    model: string,
    input: MonaiLabelInput,
    options?: Omit<MonaiLabelInferOptions, 'output'>,
  ): Promise<Extract<MonaiLabelInferResult, { kind: 'mask' }>>;
}

/** The infer calls bound to a client's context. */
export function inferCalls(context: MonaiLabelContext): MonaiLabelInferCalls {
  const infer = async (model: string, input: MonaiLabelInput, options: MonaiLabelInferOptions = {}): Promise<MonaiLabelInferResult> => {
    checkId(model, 'model', 'infer');
    const { signal, timeoutMs, onProgress, output = 'all' } = options;
    const params = inferParams(context, options);
    const session = isMonaiLabelSession(input) ? input : undefined;
    const imageId = typeof input === 'string' ? checkId(input, 'image', 'infer') : undefined;
    const files: FileField[] = [];
    if (!session && imageId === undefined) files.push(await imageFileField('file', input as AiaaImage, 'image', 'infer'));
    if (options.label !== undefined) files.push(await imageFileField('label', options.label, 'label', 'infer', options.labelFileName));
    // The whole call, diagnosis of a failure included, stays within the caller's timeout.
    return withCallScope('infer', { signal, timeoutMs: timeoutMs ?? Infinity }, async (scope) => {
      let reply: Reply;
      try {
        reply = await context.send(
          {
            operation: 'infer',
            method: 'POST',
            path: `/infer/${encodeURIComponent(model)}`,
            query: { image: imageId, session_id: session?.id, output: output === 'all' ? undefined : output },
            body: buildMultipart([{ name: 'params', value: JSON.stringify(params) }], files),
            idempotent: false,
            signal: scope,
            // The scope bounds a caller's timeout; without one, the connection's model-call default applies.
            timeoutMs: timeoutMs === undefined ? undefined : Infinity,
            onProgress,
          },
          'model',
        );
      } catch (error) {
        throw await diagnoseFailure(
          error,
          context,
          { model, ...(imageId === undefined ? {} : { imageId }), ...(session ? { sessionId: session.id } : {}) },
          { signal: scope },
        );
      }
      return inferResult(reply, output);
    });
  };
  return {
    infer,
    async segment(model, input, options = {}) {
      const result = await infer(model, input, { ...options, output: 'all' });
      if (result.kind !== 'mask') {
        throw new AiaaError('AIAA_RESULT_NOT_FOUND', `segment: model "${model}" answered without a mask`, {
          details: { operation: 'segment', model },
        });
      }
      return result;
    },
  };
}

function inferParams(context: MonaiLabelContext, options: MonaiLabelInferOptions): Record<string, unknown> {
  const params = withClientId(context, options.params);
  if (options.foreground !== undefined) params['foreground'] = checkPoints(options.foreground, 'foreground');
  if (options.background !== undefined) params['background'] = checkPoints(options.background, 'background');
  for (const [label, points] of Object.entries(options.clicks ?? {})) {
    checkId(label, 'a click label', 'infer');
    params[label] = checkPoints(points, `clicks.${label}`);
  }
  if (options.labelInfo !== undefined) params['label_info'] = options.labelInfo.map((entry) => ({ ...entry }));
  if (options.device !== undefined) params['device'] = options.device;
  return params;
}

/** Decodes an inference reply by its form. */
export function inferResult(reply: Reply, output: MonaiLabelOutput): MonaiLabelInferResult {
  if (reply.kind === 'json') {
    const params = asRecord(reply.value);
    if (!params)
      throw new AiaaError('AIAA_INVALID_RESPONSE', 'infer: the JSON reply is not an object', { details: { operation: 'infer' } });
    return { kind: 'json', params };
  }
  if (reply.kind === 'other') {
    if (output === 'dicom_seg' || /application\/dicom/i.test(reply.contentType))
      return { kind: 'dicom-seg', dicom: reply.bytes, fileName: reply.fileName };
    return { kind: 'mask', mask: reply.bytes, fileName: reply.fileName ?? '', params: {} };
  }
  // As MONAI Label's own client does: the part with a file name is the result, `params` the JSON.
  const file = reply.parts.find((part) => part.fileName !== undefined);
  const paramsPart = reply.parts.find((part) => part.fileName === undefined && part.name === 'params');
  let params: Record<string, unknown> = {};
  if (paramsPart && paramsPart.data.byteLength > 0) {
    let value: unknown;
    try {
      value = JSON.parse(utf8(paramsPart.data));
      if (typeof value === 'string') value = JSON.parse(value);
    } catch (error) {
      throw new AiaaError('AIAA_INVALID_RESPONSE', 'infer: the params part is not valid JSON', {
        details: { operation: 'infer' },
        cause: error,
      });
    }
    const record = asRecord(value);
    if (!record)
      throw new AiaaError('AIAA_INVALID_RESPONSE', 'infer: the params part is not a JSON object', { details: { operation: 'infer' } });
    params = record;
  }
  if (!file) {
    throw new AiaaError('AIAA_RESULT_NOT_FOUND', 'infer: the multipart reply has no file part', {
      details: { operation: 'infer', parts: reply.parts.map((p) => p.name ?? '') },
    });
  }
  return { kind: 'mask', mask: file.data, fileName: file.fileName ?? '', params };
}
