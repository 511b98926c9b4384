import { isMedaasError, type CallOptions } from '@medaas/core';
import { AiaaError } from '../errors.js';
import type { MonaiLabelClient } from '../monai-label/client.js';
import type { MonaiLabelInferOptions, MonaiLabelInferResult } from '../monai-label/infer.js';
import type { MonaiLabelInfo, MonaiLabelLabel, MonaiLabelModel } from '../monai-label/info.js';
import { asRecord } from '../monai-label/json.js';
import {
  kindOfType,
  type AnnotationLabel,
  type AnnotationMask,
  type AnnotationModel,
  type AnnotationServer,
  type AnnotationStorage,
} from './annotation-server.js';
import { openImageHandle, openedImage, type OpenedImage } from './opened-image.js';
import { guardSecrets, scrubOf } from '../connection/secret-guard.js';

/** Options of {@link annotationServerFromMonaiLabel}. */
export interface MonaiLabelAnnotationOptions {
  /** Where `openImage` puts images by default. Default `datastore` (checked by checksum, uploaded only when missing). */
  readonly storage?: AnnotationStorage;
  /** Close the client when the annotation server is closed. Default false: the caller owns it. */
  readonly ownsClient?: boolean;
}

/**
 * The interactive loop on a MONAI Label server: images go to the datastore (or a session), automatic
 * segmentation and clicks are `/infer/{model}` (DeepGrow: `foreground`/`background`; DeepEdit: clicks under
 * the label's name), validated masks are saved as `final` labels, and training is the server's `/train/`.
 *
 * @example
 * ```ts
 * const server = annotationServerFromMonaiLabel(createMonaiLabelClient({ baseUrl }), { ownsClient: true });
 * ```
 */
export function annotationServerFromMonaiLabel(client: MonaiLabelClient, options: MonaiLabelAnnotationOptions = {}): AnnotationServer {
  let info: MonaiLabelInfo | undefined;
  const modelOf = async (name: string, call: CallOptions): Promise<MonaiLabelModel | undefined> => {
    if (!info?.models[name]) info = await client.info(call);
    return info.models[name];
  };
  // A session that expired, or an image someone removed from the datastore: place it again and repeat.
  const gone = (error: unknown): boolean => isMedaasError(error, 'AIAA_SESSION_EXPIRED', 'AIAA_IMAGE_NOT_FOUND');
  const run = (image: OpenedImage, model: string, call: MonaiLabelInferOptions): Promise<MonaiLabelInferResult> =>
    image.use(
      (id) => (image.storage === 'session' ? client.infer(model, client.attachSession(id), call) : client.infer(model, id, call)),
      gone,
      call,
    );
  const maskOf = async (result: MonaiLabelInferResult, model: string, call: CallOptions): Promise<AnnotationMask> => {
    if (result.kind !== 'mask')
      throw new AiaaError('AIAA_RESULT_NOT_FOUND', `model "${model}" answered without a mask`, { details: { model } });
    return {
      mask: result.mask,
      labels: resultLabels(result.params) ?? foregroundLabels((await modelOf(model, call))?.labels ?? []),
      params: result.params,
    };
  };

  const server: AnnotationServer = {
    protocol: 'monai-label',
    baseUrl: client.baseUrl,
    capabilities: { datastore: true, saveLabel: true, training: true },

    async listModels(call = {}) {
      info = await client.info(call);
      return Object.values(info.models).map((m): AnnotationModel => ({
        name: m.name,
        kind: kindOfType(m.type),
        type: m.type,
        labels: m.labels,
        dimension: m.dimension === 2 || m.dimension === 3 ? m.dimension : undefined,
        description: m.description,
      }));
    },

    async openImage(image, call = {}) {
      const storage = call.storage ?? options.storage ?? 'datastore';
      const { onProgress, signal, timeoutMs } = call;
      const transfer = { ...(onProgress ? { onProgress } : {}) };
      return openImageHandle(
        image,
        storage,
        async (placeCall) => {
          if (storage === 'session') {
            const session = await client.createSession(image, {
              ...placeCall,
              ...transfer,
              ...(call.expirySec === undefined ? {} : { expirySec: call.expirySec }),
            });
            return { id: session.id, uploaded: true, close: (closeCall) => session.close(closeCall) };
          }
          const placed = await client.ensureImage(image, { ...placeCall, ...transfer, ...(call.id === undefined ? {} : { id: call.id }) });
          return { id: placed.id, uploaded: placed.uploaded, close: async () => undefined };
        },
        { signal, timeoutMs },
      );
    },

    async segment(model, image, call = {}) {
      return maskOf(await run(openedImage(image, 'segment'), model, { ...call, output: 'all' }), model, call);
    },

    async click(model, image, clicks, call = {}) {
      const opened = openedImage(image, 'click');
      const described = await modelOf(model, call);
      if (!described) throw new AiaaError('AIAA_MODEL_NOT_FOUND', `the server has no model "${model}"`, { details: { model } });
      const background = clicks.background ?? [];
      let params: MonaiLabelInferOptions;
      if (described.type === 'deepedit') {
        // DeepEdit takes clicks under each label's name, the current label named in `label`.
        const labels = foregroundLabels(described.labels);
        const label = clicks.label ?? labels[0]?.name;
        if (!label || !labels.some((l) => l.name === label)) {
          throw new AiaaError(
            'AIAA_INVALID_ARGUMENT',
            `click: model "${model}" has no label "${String(label)}" (it has ${labels.map((l) => l.name).join(', ')})`,
            { details: { model, label } },
          );
        }
        const perLabel = Object.fromEntries(labels.map((l) => [l.name, l.name === label ? clicks.foreground : []]));
        params = { ...call, clicks: { ...perLabel, background }, params: { label } };
      } else {
        params = { ...call, foreground: clicks.foreground, background };
      }
      return maskOf(await run(opened, model, { ...params, output: 'all' }), model, call);
    },

    async saveLabel(image, mask, call = {}) {
      const opened = openedImage(image, 'saveLabel');
      const tag = call.tag ?? 'final';
      // Labels belong to datastore images: an image opened as a session is put into the datastore first.
      const imageId =
        opened.storage === 'datastore'
          ? opened.id
          : (await client.ensureImage(opened.source, { signal: call.signal, timeoutMs: call.timeoutMs })).id;
      const labelInfo = call.labels?.map((l) => ({ name: l.name, idx: l.value }));
      const saved = await client.saveLabel(imageId, mask, { ...call, tag, ...(labelInfo ? { labelInfo } : {}) });
      return { image: saved.image, tag, raw: saved.raw };
    },

    async train(call = {}) {
      const current = await client.info(call);
      const model = call.model ?? Object.keys(current.trainers)[0];
      if (!model)
        throw new AiaaError('AIAA_UNSUPPORTED', 'train: the MONAI Label app has no trainers', { details: { protocol: 'monai-label' } });
      const started = await client.startTraining(model, {
        ...(call.params ? { params: call.params } : {}),
        signal: call.signal,
        timeoutMs: call.timeoutMs,
      });
      const final = await client.waitForTraining({
        signal: call.signal,
        timeoutMs: call.timeoutMs,
        ...(call.pollIntervalMs === undefined ? {} : { pollIntervalMs: call.pollIntervalMs }),
        onStatus: (task) => {
          // Polls before this task shows up report the previous one; only this task's states are passed on.
          if (task.id === started.id) call.onStatus?.({ state: task.status, lastLine: task.details.at(-1) });
        },
      });
      const state = final.status === 'DONE' ? 'done' : final.status === 'STOPPED' ? 'stopped' : 'error';
      return { state, model, logTail: final.details };
    },

    async close() {
      if (options.ownsClient) await client.close();
    },

    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  // The errors this layer builds from replies (label names, models) are scrubbed as the client's are.
  const scrub = scrubOf(client);
  return scrub ? guardSecrets(server, scrub) : server;
}

/** The labels without the background (value 0), which a mask's voxels never carry as a structure. */
function foregroundLabels(labels: readonly MonaiLabelLabel[]): AnnotationLabel[] {
  return labels.filter((l) => l.value !== 0 && l.name !== 'background');
}

/** The `label_names` of a result (`{ name: value }`), when the server gave them. */
function resultLabels(params: Readonly<Record<string, unknown>>): AnnotationLabel[] | undefined {
  const names = asRecord(params['label_names']);
  if (!names) return undefined;
  const labels = Object.entries(names)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => a.value - b.value);
  return labels.length > 0 ? foregroundLabels(labels) : undefined;
}
