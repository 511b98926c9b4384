import { isMedaasError, withCallScope, type CallOptions } from '@medaas/core';
import { sha256Hex } from '#digest';
import { formBody } from '../connection/body.js';
import { imageFileField } from '../connection/image-file.js';
import { buildMultipart, type AiaaImage } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';
import {
  checkId,
  fileOf,
  jsonOf,
  objectOf,
  withClientId,
  type DownloadedFile,
  type MonaiLabelCallOptions,
  type MonaiLabelContext,
} from './context.js';
import { diagnoseFailure } from './diagnose.js';
import { parseDatastoreStats, type MonaiLabelDatastoreStats } from './info.js';
import type { MonaiLabelLabelInfo } from './infer.js';
import { asRecord, stringOr } from './json.js';

/** One image of the datastore and its labels by tag, as `GET /datastore/?output=all` lists them. */
export interface MonaiLabelDatastoreObject {
  readonly id: string;
  readonly image: { readonly ext: string; readonly info: Readonly<Record<string, unknown>> };
  /** Labels by tag (`final`, `original`, ...). */
  readonly labels: Readonly<Record<string, { readonly ext: string; readonly info: Readonly<Record<string, unknown>> }>>;
}

/** The whole datastore (`output=all`). */
export interface MonaiLabelDatastoreContents {
  readonly name: string;
  readonly description: string;
  readonly imagesDir: string;
  readonly labelsDir: string;
  readonly objects: readonly MonaiLabelDatastoreObject[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One training pair of `output=train`: server-side paths of an image and its `final` label. */
export interface MonaiLabelTrainingPair {
  readonly image: string;
  readonly label: string;
}

/** What the server answers when a label is saved: the image and label ids, plus whatever the app's `on_save_label` adds. */
export interface MonaiLabelSavedLabel {
  readonly image: string;
  readonly label: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Options of {@link MonaiLabelDatastoreCalls.saveLabel}. */
export interface SaveLabelOptions extends MonaiLabelCallOptions {
  /** The label tag. Default `final` (a user-validated label). */
  readonly tag?: string;
  /** The label's names and values (`params.label_info`). */
  readonly labelInfo?: readonly MonaiLabelLabelInfo[];
  /** Further `params`. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** What {@link MonaiLabelDatastoreCalls.ensureImage} did. */
export interface EnsuredImage {
  readonly id: string;
  /** `SHA256:<hex>` of the image. */
  readonly checksum: string;
  /** False when the server already had this exact image under the id. */
  readonly uploaded: boolean;
}

/** The `/datastore/` calls. */
export interface MonaiLabelDatastoreCalls {
  /**
   * Counts of images and labels (`output=stats`).
   *
   * @example
   * ```ts
   * const { total, completed, labelTags } = await client.datastoreStats();
   * console.log(`${completed} of ${total} images validated`, labelTags);
   * ```
   */
  datastoreStats(options?: CallOptions): Promise<MonaiLabelDatastoreStats>;
  /**
   * Every image and its labels (`output=all`).
   *
   * @example
   * ```ts
   * const { objects } = await client.datastoreContents();
   * const toLabel = objects.filter((object) => !object.labels['final']).map((object) => object.id);
   * ```
   */
  datastoreContents(options?: CallOptions): Promise<MonaiLabelDatastoreContents>;
  /**
   * The training data list: images with a `final` label (`output=train`).
   *
   * @example
   * ```ts
   * const pairs = await client.trainingDatalist();
   * console.log(pairs.length, 'image/label pairs to train on');
   * ```
   */
  trainingDatalist(options?: CallOptions): Promise<MonaiLabelTrainingPair[]>;
  /**
   * Uploads an image (`PUT /datastore/image`), under `id` (default: the server picks it from the file name).
   *
   * @example
   * ```ts
   * const { id } = await client.uploadImage(await openImageFile('case01.nii.gz'), { id: 'case01' });
   * ```
   */
  uploadImage(
    image: AiaaImage,
    options?: MonaiLabelCallOptions & { readonly id?: string; readonly params?: Readonly<Record<string, unknown>> },
  ): Promise<{ readonly id: string }>;
  /**
   * Whether the datastore has an image (`HEAD /datastore/image`), and with `checksum` (`SHA256:<hex>`) whether it is that exact image.
   *
   * @example
   * ```ts
   * const same = await client.hasImage('case01', { checksum: await client.imageChecksum(image) });
   * ```
   */
  hasImage(id: string, options?: CallOptions & { readonly checksum?: string }): Promise<boolean>;
  /**
   * `SHA256:<hex>` of an image, as the server's checksum check compares it (streamed from a `Blob` in Node).
   *
   * @example
   * ```ts
   * const checksum = await client.imageChecksum(await openImageFile('case01.nii.gz')); // 'SHA256:9f86...'
   * ```
   */
  imageChecksum(image: AiaaImage, options?: CallOptions): Promise<string>;
  /**
   * Makes sure the datastore holds this exact image under `id` (default `img-` + the first 32 hex digits of
   * its SHA-256): asks first with its checksum and uploads only when the server does not have it.
   *
   * @example
   * ```ts
   * const { id, uploaded } = await client.ensureImage(await openImageFile('case01.nii.gz'));
   * console.log(id, uploaded ? 'uploaded' : 'already in the datastore');
   * ```
   */
  ensureImage(
    image: AiaaImage,
    options?: MonaiLabelCallOptions & { readonly id?: string; readonly params?: Readonly<Record<string, unknown>> },
  ): Promise<EnsuredImage>;
  /**
   * Downloads an image (`GET /datastore/image`).
   *
   * @throws {AiaaError} `AIAA_IMAGE_NOT_FOUND` when the datastore has no such image.
   *
   * @example
   * ```ts
   * const { data } = await client.downloadImage('case01');
   * await writeFile('case01.nii.gz', data);
   * ```
   */
  downloadImage(id: string, options?: MonaiLabelCallOptions): Promise<DownloadedFile>;
  /**
   * Removes an image and its labels (`DELETE /datastore/image`).
   *
   * @example
   * ```ts
   * await client.deleteImage('case01');
   * ```
   */
  deleteImage(id: string, options?: CallOptions): Promise<void>;
  /**
   * An image's info (`GET /datastore/image/info`).
   *
   * @example
   * ```ts
   * console.log(await client.imageInfo('case01'));
   * ```
   */
  imageInfo(id: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /**
   * Merges fields into an image's info (`PUT /datastore/image/info`).
   *
   * @example
   * ```ts
   * await client.updateImageInfo('case01', { reviewer: 'ana' });
   * ```
   */
  updateImageInfo(id: string, info: Readonly<Record<string, unknown>>, options?: CallOptions): Promise<Record<string, unknown>>;
  /**
   * Saves a label of an image (`PUT /datastore/label`), by default as the `final`, validated label.
   *
   * @throws {AiaaError} `AIAA_IMAGE_NOT_FOUND` when the datastore has no such image.
   *
   * @example
   * ```ts
   * const saved = await client.saveLabel('case01', mask, { labelInfo: [{ name: 'spleen', idx: 1 }] });
   * console.log(saved.label);
   * ```
   */
  saveLabel(imageId: string, label: AiaaImage, options?: SaveLabelOptions): Promise<MonaiLabelSavedLabel>;
  /**
   * Whether an image has a label of a tag (`HEAD /datastore/label`).
   *
   * @example
   * ```ts
   * if (await client.hasLabel('case01', { tag: 'final' })) console.log('case01 is validated');
   * ```
   */
  hasLabel(imageId: string, options: CallOptions & { readonly tag: string }): Promise<boolean>;
  /**
   * Downloads a label (`GET /datastore/label`).
   *
   * @example
   * ```ts
   * const { data } = await client.downloadLabel('case01', { tag: 'final' });
   * await writeFile('case01-label.nii.gz', data);
   * ```
   */
  downloadLabel(labelId: string, options: MonaiLabelCallOptions & { readonly tag: string }): Promise<DownloadedFile>;
  /**
   * Removes a label (`DELETE /datastore/label`).
   *
   * @example
   * ```ts
   * await client.deleteLabel('case01', { tag: 'original' });
   * ```
   */
  deleteLabel(labelId: string, options: CallOptions & { readonly tag: string }): Promise<void>;
  /**
   * A label's info (`GET /datastore/label/info`).
   *
   * @example
   * ```ts
   * console.log(await client.labelInfo('case01', { tag: 'final' }));
   * ```
   */
  labelInfo(labelId: string, options: CallOptions & { readonly tag: string }): Promise<Record<string, unknown>>;
  /**
   * Merges fields into a label's info (`PUT /datastore/label/info`).
   *
   * @example
   * ```ts
   * await client.updateLabelInfo('case01', { reviewed: true }, { tag: 'final' });
   * ```
   */
  updateLabelInfo(
    labelId: string,
    info: Readonly<Record<string, unknown>>,
    options: CallOptions & { readonly tag: string },
  ): Promise<Record<string, unknown>>;
  /**
   * The datastore as a zip archive (`GET /datastore/dataset`), optionally only the first `limitCases` labelled cases.
   *
   * @example
   * ```ts
   * const { data } = await client.downloadDataset({ limitCases: 10 });
   * await writeFile('dataset.zip', data);
   * ```
   */
  downloadDataset(options?: MonaiLabelCallOptions & { readonly limitCases?: number }): Promise<DownloadedFile>;
}

/** The datastore calls bound to a client's context. */
export function datastoreCalls(context: MonaiLabelContext): MonaiLabelDatastoreCalls {
  const get = async (
    operation: string,
    query: Record<string, string | undefined>,
    options: CallOptions,
    path = '/datastore/',
  ): Promise<unknown> =>
    jsonOf(await context.send({ operation, method: 'GET', path, query, idempotent: true, ...options }, 'metadata'), operation);
  const exists = async (
    operation: string,
    path: string,
    query: Record<string, string | undefined>,
    options: CallOptions,
  ): Promise<boolean> => {
    try {
      await context.send({ operation, method: 'HEAD', path, query, idempotent: true, ...options }, 'metadata');
      return true;
    } catch (error) {
      if (isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404) return false;
      throw error;
    }
  };
  const imageMissing = (error: unknown, id: string): unknown =>
    isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404
      ? new AiaaError('AIAA_IMAGE_NOT_FOUND', `the datastore has no image "${id}"`, { details: { image: id, status: 404 }, cause: error })
      : error;
  const tagOf = (tag: unknown, operation: string): string => checkId(tag, 'tag', operation);

  const calls: MonaiLabelDatastoreCalls = {
    async datastoreStats(options = {}) {
      return parseDatastoreStats(await get('datastoreStats', { output: 'stats' }, options));
    },

    async datastoreContents(options = {}) {
      const raw = asRecord(await get('datastoreContents', { output: 'all' }, options));
      if (!raw)
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'datastoreContents: expected a JSON object', {
          details: { operation: 'datastoreContents' },
        });
      const objects = Object.entries(asRecord(raw['objects']) ?? {}).map(([id, value]): MonaiLabelDatastoreObject => {
        const entry = asRecord(value) ?? {};
        const image = asRecord(entry['image']) ?? {};
        const labels = Object.entries(asRecord(entry['labels']) ?? {}).map(([tag, label]) => {
          const record = asRecord(label) ?? {};
          return [tag, { ext: stringOr(record['ext'], ''), info: asRecord(record['info']) ?? {} }] as const;
        });
        return { id, image: { ext: stringOr(image['ext'], ''), info: asRecord(image['info']) ?? {} }, labels: Object.fromEntries(labels) };
      });
      return {
        name: stringOr(raw['name'], ''),
        description: stringOr(raw['description'], ''),
        imagesDir: stringOr(raw['images_dir'], ''),
        labelsDir: stringOr(raw['labels_dir'], ''),
        objects,
        raw,
      };
    },

    async trainingDatalist(options = {}) {
      const value = await get('trainingDatalist', { output: 'train' }, options);
      if (!Array.isArray(value))
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'trainingDatalist: expected a JSON array', {
          details: { operation: 'trainingDatalist' },
        });
      return value
        .map((item) => asRecord(item) ?? {})
        .filter((item) => typeof item['image'] === 'string' && typeof item['label'] === 'string')
        .map((item) => ({ image: item['image'] as string, label: item['label'] as string }));
    },

    async uploadImage(image, options = {}) {
      const { id, params, ...call } = options;
      const reply = await context.send(
        {
          operation: 'uploadImage',
          method: 'PUT',
          path: '/datastore/image',
          query: { image: id === undefined ? undefined : checkId(id, 'image id', 'uploadImage') },
          body: buildMultipart(
            [{ name: 'params', value: JSON.stringify(withClientId(context, params)) }],
            await imageFileField('file', image, id ?? 'image', 'uploadImage'),
          ),
          idempotent: false,
          ...call,
        },
        'model',
      );
      const stored = objectOf(reply, 'uploadImage')['image'];
      if (typeof stored !== 'string')
        throw new AiaaError('AIAA_INVALID_RESPONSE', 'uploadImage: the reply names no image', { details: { operation: 'uploadImage' } });
      return { id: stored };
    },

    hasImage(id, options = {}) {
      const { checksum, ...call } = options;
      return exists('hasImage', '/datastore/image', { image: checkId(id, 'image id', 'hasImage'), check_sum: checksum }, call);
    },

    async imageChecksum(image, options = {}) {
      return `SHA256:${await sha256Hex(image, options)}`;
    },

    async ensureImage(image, options = {}) {
      const { id, params, ...call } = options;
      return withCallScope('ensureImage', { signal: call.signal, timeoutMs: call.timeoutMs ?? Infinity }, async (signal) => {
        const checksum = await calls.imageChecksum(image, { signal });
        const target = id ?? `img-${checksum.slice('SHA256:'.length, 'SHA256:'.length + 32)}`;
        if (await calls.hasImage(target, { checksum, signal })) return { id: target, checksum, uploaded: false };
        const stored = await calls.uploadImage(image, { ...call, id: target, ...(params ? { params } : {}), signal, timeoutMs: undefined });
        return { id: stored.id, checksum, uploaded: true };
      });
    },

    async downloadImage(id, options = {}) {
      try {
        return fileOf(
          await context.send(
            {
              operation: 'downloadImage',
              method: 'GET',
              raw: true,
              path: '/datastore/image',
              query: { image: checkId(id, 'image id', 'downloadImage') },
              idempotent: true,
              ...options,
            },
            'model',
          ),
          'downloadImage',
        );
      } catch (error) {
        throw imageMissing(error, id);
      }
    },

    async deleteImage(id, options = {}) {
      await context.send(
        {
          operation: 'deleteImage',
          method: 'DELETE',
          path: '/datastore/image',
          query: { id: checkId(id, 'image id', 'deleteImage') },
          idempotent: true,
          ...options,
        },
        'metadata',
      );
    },

    async imageInfo(id, options = {}) {
      try {
        return asRecord(await get('imageInfo', { image: checkId(id, 'image id', 'imageInfo') }, options, '/datastore/image/info')) ?? {};
      } catch (error) {
        throw imageMissing(error, id);
      }
    },

    async updateImageInfo(id, info, options = {}) {
      const reply = await context.send(
        {
          operation: 'updateImageInfo',
          method: 'PUT',
          path: '/datastore/image/info',
          query: { image: checkId(id, 'image id', 'updateImageInfo') },
          body: formBody({ info: JSON.stringify(info) }),
          idempotent: true,
          ...options,
        },
        'metadata',
      );
      return asRecord(jsonOf(reply, 'updateImageInfo')) ?? {};
    },

    async saveLabel(imageId, label, options = {}) {
      const { tag = 'final', labelInfo, params, ...call } = options;
      checkId(imageId, 'image id', 'saveLabel');
      const body = {
        ...withClientId(context, params),
        ...(labelInfo ? { label_info: labelInfo.map((entry) => ({ ...entry })) } : {}),
      };
      try {
        const reply = await context.send(
          {
            operation: 'saveLabel',
            method: 'PUT',
            path: '/datastore/label',
            query: { image: imageId, tag: tagOf(tag, 'saveLabel') },
            body: buildMultipart(
              [{ name: 'params', value: JSON.stringify(body) }],
              await imageFileField('label', label, imageId, 'saveLabel'),
            ),
            idempotent: false,
            ...call,
          },
          'model',
        );
        const raw = objectOf(reply, 'saveLabel');
        return { image: stringOr(raw['image'], imageId), label: stringOr(raw['label'], ''), raw };
      } catch (error) {
        throw await diagnoseFailure(error, context, { imageId }, { signal: call.signal });
      }
    },

    hasLabel(imageId, options) {
      const { tag, ...call } = options;
      return exists('hasLabel', '/datastore/label', { image: checkId(imageId, 'image id', 'hasLabel'), tag: tagOf(tag, 'hasLabel') }, call);
    },

    async downloadLabel(labelId, options) {
      const { tag, ...call } = options;
      const query = { label: checkId(labelId, 'label id', 'downloadLabel'), tag: tagOf(tag, 'downloadLabel') };
      return fileOf(
        await context.send(
          { operation: 'downloadLabel', method: 'GET', raw: true, path: '/datastore/label', query, idempotent: true, ...call },
          'model',
        ),
        'downloadLabel',
      );
    },

    async deleteLabel(labelId, options) {
      const { tag, ...call } = options;
      const query = { id: checkId(labelId, 'label id', 'deleteLabel'), tag: tagOf(tag, 'deleteLabel') };
      await context.send(
        { operation: 'deleteLabel', method: 'DELETE', path: '/datastore/label', query, idempotent: true, ...call },
        'metadata',
      );
    },

    async labelInfo(labelId, options) {
      const { tag, ...call } = options;
      return (
        asRecord(
          await get(
            'labelInfo',
            { label: checkId(labelId, 'label id', 'labelInfo'), tag: tagOf(tag, 'labelInfo') },
            call,
            '/datastore/label/info',
          ),
        ) ?? {}
      );
    },

    async updateLabelInfo(labelId, info, options) {
      const { tag, ...call } = options;
      const query = { label: checkId(labelId, 'label id', 'updateLabelInfo'), tag: tagOf(tag, 'updateLabelInfo') };
      const reply = await context.send(
        {
          operation: 'updateLabelInfo',
          method: 'PUT',
          path: '/datastore/label/info',
          query,
          body: formBody({ info: JSON.stringify(info) }),
          idempotent: true,
          ...call,
        },
        'metadata',
      );
      return asRecord(jsonOf(reply, 'updateLabelInfo')) ?? {};
    },

    async downloadDataset(options = {}) {
      const { limitCases, ...call } = options;
      if (limitCases !== undefined && (!Number.isSafeInteger(limitCases) || limitCases < 1)) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `downloadDataset: limitCases must be a whole number >= 1, got ${limitCases}`, {
          details: { limitCases },
        });
      }
      const query = { limit_cases: limitCases === undefined ? undefined : String(limitCases) };
      return fileOf(
        await context.send(
          {
            operation: 'downloadDataset',
            method: 'GET',
            raw: true,
            fileDownload: true,
            path: '/datastore/dataset',
            query,
            idempotent: true,
            ...call,
          },
          'model',
        ),
        'downloadDataset',
      );
    },
  };
  return calls;
}
