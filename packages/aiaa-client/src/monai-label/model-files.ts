import type { CallOptions } from '@medaas/core';
import { buildMultipart, type AiaaImage } from '../connection/multipart-writer.js';
import { checkId, fileOf, objectOf, type DownloadedFile, type MonaiLabelCallOptions, type MonaiLabelContext } from './context.js';
import { asRecord, numberOr, stringOr } from './json.js';

/** What `GET /model/info/{model}` says about a model's weights file. */
export interface MonaiLabelModelFileInfo {
  /** `SHA256:<hex>` of the weights file. */
  readonly checksum: string;
  /** Epoch seconds of its last change. */
  readonly modifiedTime: number | undefined;
  /** The figures of the training run that wrote it, when there was one. */
  readonly trainStats: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The `/model/` calls: a model's weights file. */
export interface MonaiLabelModelFileCalls {
  /**
   * Downloads a model's current weights (`GET /model/{model}`).
   *
   * @example
   * ```ts
   * const { data, fileName } = await client.downloadModel('segmentation_spleen');
   * await writeFile(fileName ?? 'model.pt', data);
   * ```
   */
  downloadModel(model: string, options?: MonaiLabelCallOptions): Promise<DownloadedFile>;
  /**
   * The checksum, time and training figures of a model's weights (`GET /model/info/{model}`).
   *
   * @example
   * ```ts
   * const { checksum, modifiedTime } = await client.modelInfo('segmentation_spleen');
   * ```
   */
  modelInfo(model: string, options?: CallOptions): Promise<MonaiLabelModelFileInfo>;
  /**
   * Replaces a model's weights file (`PUT /model/{model}`, file part `file`): the server overwrites it and answers its new checksum.
   *
   * @example
   * ```ts
   * const { checksum } = await client.uploadModel('segmentation_spleen', await readFile('model.pt'), { fileName: 'model.pt' });
   * ```
   */
  uploadModel(
    model: string,
    weights: AiaaImage,
    options?: MonaiLabelCallOptions & { readonly fileName?: string },
  ): Promise<{ readonly checksum: string; readonly modifiedTime: number | undefined }>;
  /**
   * Retires a model's weights file (`DELETE /model/{model}`; the server renames it `*.deleted`).
   *
   * @example
   * ```ts
   * await client.deleteModel('segmentation_spleen');
   * ```
   */
  deleteModel(model: string, options?: CallOptions): Promise<void>;
}

/** Decodes `GET /model/info/{model}`. */
export function parseModelFileInfo(value: unknown): MonaiLabelModelFileInfo {
  const raw = asRecord(value) ?? {};
  return {
    checksum: stringOr(raw['checksum'], ''),
    modifiedTime: numberOr(raw['modified_time'], undefined),
    trainStats: asRecord(raw['train_stats']) ?? {},
    raw,
  };
}

/** The model-file calls bound to a client's context. */
export function modelFileCalls(context: MonaiLabelContext): MonaiLabelModelFileCalls {
  const path = (model: string, operation: string, prefix = '/model/'): string =>
    `${prefix}${encodeURIComponent(checkId(model, 'model', operation))}`;
  return {
    async downloadModel(model, options = {}) {
      return fileOf(
        await context.send(
          {
            operation: 'downloadModel',
            method: 'GET',
            raw: true,
            fileDownload: true,
            path: path(model, 'downloadModel'),
            idempotent: true,
            ...options,
          },
          'model',
        ),
        'downloadModel',
      );
    },
    async modelInfo(model, options = {}) {
      return parseModelFileInfo(
        objectOf(
          await context.send(
            { operation: 'modelInfo', method: 'GET', path: path(model, 'modelInfo', '/model/info/'), idempotent: true, ...options },
            'metadata',
          ),
          'modelInfo',
        ),
      );
    },
    async uploadModel(model, weights, options = {}) {
      const { fileName = 'model.pt', ...call } = options;
      const body = buildMultipart([], {
        name: 'file',
        fileName: fileName.replace(/[/\\]/g, '_'),
        contentType: 'application/octet-stream',
        data: weights,
      });
      const reply = await context.send(
        { operation: 'uploadModel', method: 'PUT', path: path(model, 'uploadModel'), body, idempotent: false, ...call },
        'model',
      );
      const info = parseModelFileInfo(objectOf(reply, 'uploadModel'));
      return { checksum: info.checksum, modifiedTime: info.modifiedTime };
    },
    async deleteModel(model, options = {}) {
      await context.send(
        { operation: 'deleteModel', method: 'DELETE', path: path(model, 'deleteModel'), idempotent: true, ...options },
        'metadata',
      );
    },
  };
}
