import { isMedaasError, type CallOptions } from '@medaas/core';
import type { AiaaClient } from '../aiaa/client.js';
import type { AiaaModel } from '../aiaa/models.js';
import type { AiaaImage } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';
import {
  kindOfType,
  type AnnotationLabel,
  type AnnotationModel,
  type AnnotationServer,
  type SaveAnnotationOptions,
  type SavedAnnotation,
} from './annotation-server.js';
import { openImageHandle, openedImage } from './opened-image.js';
import { guardSecrets, scrubOf } from '../connection/secret-guard.js';

/** Options of {@link annotationServerFromAiaa}. */
export interface AiaaAnnotationOptions {
  /**
   * Where validated masks go: AIAA servers keep no labels, so a caller that wants `saveLabel` says where
   * (e.g. a project folder uploaded to the cluster). Without it `saveLabel` is `AIAA_UNSUPPORTED`.
   */
  readonly saveLabel?: (image: AiaaImage, mask: AiaaImage, options: SaveAnnotationOptions) => Promise<Readonly<Record<string, unknown>>>;
  /** Close the client when the annotation server is closed. Default false: the caller owns it. */
  readonly ownsClient?: boolean;
}

/**
 * The interactive loop on an AIAA v1 server: images become sessions (re-created once when one expires),
 * automatic segmentation is `/v1/segmentation`, clicks are DeepGrow.
 *
 * @example
 * ```ts
 * const server = annotationServerFromAiaa(createAiaaClient({ baseUrl }), { ownsClient: true });
 * ```
 */
export function annotationServerFromAiaa(client: AiaaClient, options: AiaaAnnotationOptions = {}): AnnotationServer {
  let models: Map<string, AiaaModel> | undefined;
  const modelOf = async (name: string, call: CallOptions): Promise<AiaaModel | undefined> => {
    if (!models?.has(name)) models = new Map((await client.listModels(call)).map((m) => [m.name, m]));
    return models.get(name);
  };
  const labelsOf = (model: AiaaModel | undefined): AnnotationLabel[] =>
    (model?.labels ?? []).map((name, index) => ({ name, value: index + 1 }));
  const expired = (error: unknown): boolean => isMedaasError(error, 'AIAA_SESSION_EXPIRED');

  const server: AnnotationServer = {
    protocol: 'aiaa',
    baseUrl: client.baseUrl,
    capabilities: { datastore: false, saveLabel: options.saveLabel !== undefined, training: false },

    async listModels(call = {}) {
      const list = await client.listModels(call);
      models = new Map(list.map((m) => [m.name, m]));
      return list.map((m): AnnotationModel => ({
        name: m.name,
        kind: kindOfType(m.type),
        type: m.type,
        labels: labelsOf(m),
        dimension: m.deepgrow === '2D' ? 2 : m.deepgrow === '3D' ? 3 : undefined,
        description: m.description,
      }));
    },

    async openImage(image, call = {}) {
      if (call.storage === 'datastore')
        throw new AiaaError('AIAA_UNSUPPORTED', 'openImage: AIAA servers have no datastore; use a session', {
          details: { storage: 'datastore' },
        });
      return openImageHandle(
        image,
        'session',
        async (placeCall) => {
          const session = await client.createSession(image, {
            ...placeCall,
            ...(call.expirySec === undefined ? {} : { expirySec: call.expirySec }),
            ...(call.onProgress ? { onProgress: call.onProgress } : {}),
          });
          return { id: session.id, uploaded: true, close: (closeCall) => session.close(closeCall) };
        },
        call,
      );
    },

    async segment(model, image, call = {}) {
      const opened = openedImage(image, 'segment');
      const result = await opened.use((id) => client.segmentation(model, client.attachSession(id), call), expired, call);
      return { mask: result.mask, labels: labelsOf(await modelOf(model, call)), params: result.params };
    },

    async click(model, image, clicks, call = {}) {
      const opened = openedImage(image, 'click');
      const result = await opened.use(
        (id) =>
          client.deepgrow(model, client.attachSession(id), { ...call, foreground: clicks.foreground, background: clicks.background ?? [] }),
        expired,
        call,
      );
      return { mask: result.mask, labels: labelsOf(await modelOf(model, call)), params: result.params };
    },

    async saveLabel(image, mask, call = {}): Promise<SavedAnnotation> {
      const opened = openedImage(image, 'saveLabel');
      if (!options.saveLabel) {
        throw new AiaaError(
          'AIAA_UNSUPPORTED',
          'saveLabel: an AIAA server keeps no labels; give annotationServerFromAiaa a saveLabel handler (e.g. a project folder)',
          { details: { protocol: 'aiaa' } },
        );
      }
      const raw = await options.saveLabel(opened.source, mask, call);
      return { image: opened.id, tag: call.tag ?? 'final', raw };
    },

    async train() {
      throw new AiaaError(
        'AIAA_UNSUPPORTED',
        'train: AIAA servers do not train; run a training job (@medaas/training) and deploy the model',
        { details: { protocol: 'aiaa' } },
      );
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
