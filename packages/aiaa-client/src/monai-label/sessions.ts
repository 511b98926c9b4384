import { isMedaasError, type CallOptions } from '@medaas/core';
import { sessionHandle } from '../connection/closable.js';
import { imageFileField } from '../connection/image-file.js';
import { buildMultipart, type AiaaImage } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';
import { checkId, fileOf, objectOf, type DownloadedFile, type MonaiLabelCallOptions, type MonaiLabelContext } from './context.js';
import { asRecord, numberOr, stringOr } from './json.js';

const SESSION = Symbol.for('@medaas/aiaa-client/monai-label-session');

/** A session's details as the server keeps them. */
export interface MonaiLabelSessionInfo {
  /** The session id. */
  readonly id: string;
  /** Server-side folder and image path (they name the server's files, not the caller's). */
  readonly path: string;
  readonly image: string;
  readonly meta: Readonly<Record<string, unknown>>;
  /** Epoch seconds. */
  readonly createTs: number | undefined;
  /** Epoch seconds of the last use: expiry slides from here. */
  readonly lastAccessTs: number | undefined;
  /** Lifetime in seconds after the last access. */
  readonly expirySec: number | undefined;
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * A session on a MONAI Label server: the uploaded image (or DICOM series) stays on the server and later
 * inferences send only its id. `close()` deletes it; it is idempotent, and a session the server has already
 * dropped counts as closed.
 */
export interface MonaiLabelSession extends AsyncDisposable {
  readonly id: string;
  /** The server's `session_info` when it was created (or attached). */
  readonly info: MonaiLabelSessionInfo | undefined;
  readonly closed: boolean;
  /**
   * Deletes the session on the server. Safe to call more than once.
   *
   * @throws {AiaaError} `AIAA_CONNECTION` or `AIAA_HTTP_STATUS` when the server cannot be told; a later call tries again.
   *
   * @example
   * ```ts
   * const session = await client.createSession(await openImageFile('ct.nii.gz'));
   * try {
   *   await client.segment('segmentation_spleen', session);
   * } finally {
   *   await session.close();
   * }
   * ```
   */
  close(options?: CallOptions): Promise<void>;
}

/** A file of a session upload: bytes or a `Blob`, with the name the server stores it under. */
export interface SessionFile {
  readonly data: AiaaImage;
  /** The name on the server, e.g. `IM_0001.dcm`; default `image.nii.gz`/`image.nii` by content, or `file<N>` in a series. */
  readonly fileName?: string;
}

/** Options of {@link MonaiLabelSessionCalls.createSession}. */
export interface CreateMonaiLabelSessionOptions extends MonaiLabelCallOptions {
  /** Requested lifetime in seconds after the last access; the server uses `min(expirySec, its maximum)`. Default 0: the server's default. */
  readonly expirySec?: number;
  /** The server unpacks an uploaded archive (`uncompress=true`). */
  readonly uncompress?: boolean;
}

/** The `/session/` calls. */
export interface MonaiLabelSessionCalls {
  /**
   * Uploads one image, or many files stored as one folder (a DICOM series), as a session (`PUT /session/`,
   * file parts named `files`).
   *
   * @throws {AiaaError} `AIAA_UNSUPPORTED` when the server has sessions disabled (406), `AIAA_INVALID_ARGUMENT` for no files.
   *
   * @example
   * ```ts
   * // A DICOM series: every file of the folder, under its own name.
   * const names = await readdir('series');
   * const files = await Promise.all(names.map(async (name) => ({ data: await readFile(`series/${name}`), fileName: name })));
   * await using session = await client.createSession(files, { expirySec: 3600 });
   * const { mask } = await client.segment('segmentation_spleen', session);
   * ```
   */
  createSession(
    files: AiaaImage | SessionFile | readonly (AiaaImage | SessionFile)[],
    options?: CreateMonaiLabelSessionOptions,
  ): Promise<MonaiLabelSession>;
  /**
   * A handle for a session created earlier (e.g. an id a viewer kept).
   *
   * @example
   * ```ts
   * const session = client.attachSession(localStorage.getItem('monai-label-session')!);
   * const { mask } = await client.segment('segmentation_spleen', session);
   * ```
   */
  attachSession(id: string): MonaiLabelSession;
  /**
   * The server's details of a session (`GET /session/{id}`); `touch` renews its expiry (`update_ts`).
   *
   * @throws {AiaaError} `AIAA_SESSION_EXPIRED` when the server no longer has it (404).
   *
   * @example
   * ```ts
   * const { expirySec, lastAccessTs } = await client.getSession(session, { touch: true });
   * ```
   */
  getSession(session: MonaiLabelSession | string, options?: CallOptions & { readonly touch?: boolean }): Promise<MonaiLabelSessionInfo>;
  /**
   * The session's image as the server stored it (`GET /session/{id}?image=true`).
   *
   * @throws {AiaaError} `AIAA_SESSION_EXPIRED` when the server no longer has it.
   *
   * @example
   * ```ts
   * const { data, fileName } = await client.downloadSessionImage(session);
   * await writeFile(fileName ?? 'image.nii.gz', data);
   * ```
   */
  downloadSessionImage(session: MonaiLabelSession | string, options?: MonaiLabelCallOptions): Promise<DownloadedFile>;
}

/** Whether a value is a MONAI Label session handle (checked by brand, so duplicate installs agree). */
export function isMonaiLabelSession(value: unknown): value is MonaiLabelSession {
  return typeof value === 'object' && value !== null && (value as { [SESSION]?: unknown })[SESSION] === true;
}

/** Decodes session details (`{ name, path, image, meta, create_ts, last_access_ts, expiry }`). */
export function parseSessionInfo(value: unknown, fallbackId = ''): MonaiLabelSessionInfo {
  const raw = asRecord(value) ?? {};
  return {
    id: stringOr(raw['name'], fallbackId),
    path: stringOr(raw['path'], ''),
    image: stringOr(raw['image'], ''),
    meta: asRecord(raw['meta']) ?? {},
    createTs: numberOr(raw['create_ts'], undefined),
    lastAccessTs: numberOr(raw['last_access_ts'], undefined),
    expirySec: numberOr(raw['expiry'], undefined),
    raw,
  };
}

/** The session calls bound to a client's context. */
export function sessionCalls(context: MonaiLabelContext): MonaiLabelSessionCalls {
  const idOf = (session: MonaiLabelSession | string, operation: string): string =>
    checkId(typeof session === 'string' ? session : session.id, 'session id', operation);
  const notFound = (error: unknown, id: string): unknown =>
    isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404
      ? new AiaaError('AIAA_SESSION_EXPIRED', `the session ${id} has expired or was removed: create a new one`, {
          details: { sessionId: id, status: 404 },
          cause: error,
        })
      : disabled(error);
  const remove = async (id: string, options: CallOptions): Promise<void> => {
    await context.send(
      { operation: 'closeSession', method: 'DELETE', path: `/session/${encodeURIComponent(id)}`, idempotent: true, ...options },
      'metadata',
    );
  };
  const handle = (id: string, info: MonaiLabelSessionInfo | undefined): MonaiLabelSession =>
    sessionHandle(SESSION, id, info, remove, (error) => isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404);

  return {
    async createSession(files, options = {}) {
      const { expirySec = 0, uncompress = false, ...call } = options;
      if (!Number.isSafeInteger(expirySec) || expirySec < 0) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', `expirySec must be a non-negative whole number, got ${expirySec}`, {
          details: { expirySec },
        });
      }
      const list = (Array.isArray(files) ? files : [files]) as readonly (AiaaImage | SessionFile)[];
      if (list.length === 0)
        throw new AiaaError('AIAA_INVALID_ARGUMENT', 'createSession: at least one file is needed', {
          details: { operation: 'createSession' },
        });
      const fields = await Promise.all(
        list.map((item, index) => {
          const file = item instanceof Uint8Array || item instanceof Blob ? { data: item } : item;
          const name =
            file.fileName === undefined
              ? list.length > 1
                ? `file${String(index + 1).padStart(4, '0')}`
                : undefined
              : checkFileName(file.fileName);
          return imageFileField('files', file.data, 'image', 'createSession', name);
        }),
      );
      try {
        const reply = await context.send(
          {
            operation: 'createSession',
            method: 'PUT',
            path: '/session/',
            query: { expiry: String(expirySec), uncompress: uncompress ? 'true' : undefined },
            body: buildMultipart([], fields),
            idempotent: false,
            ...call,
          },
          'model',
        );
        const value = objectOf(reply, 'createSession');
        const id = value['session_id'];
        if (typeof id !== 'string' || id === '')
          throw new AiaaError('AIAA_INVALID_RESPONSE', 'createSession: the reply has no session_id', {
            details: { operation: 'createSession' },
          });
        return handle(id, parseSessionInfo(value['session_info'], id));
      } catch (error) {
        throw disabled(error);
      }
    },

    attachSession(id) {
      return handle(checkId(id, 'session id', 'attachSession'), undefined);
    },

    async getSession(session, options = {}) {
      const id = idOf(session, 'getSession');
      const { touch, ...call } = options;
      try {
        const reply = await context.send(
          {
            operation: 'getSession',
            method: 'GET',
            path: `/session/${encodeURIComponent(id)}`,
            query: { update_ts: touch ? 'true' : undefined },
            idempotent: true,
            ...call,
          },
          'metadata',
        );
        return parseSessionInfo(objectOf(reply, 'getSession'), id);
      } catch (error) {
        throw notFound(error, id);
      }
    },

    async downloadSessionImage(session, options = {}) {
      const id = idOf(session, 'downloadSessionImage');
      try {
        const reply = await context.send(
          {
            operation: 'downloadSessionImage',
            method: 'GET',
            raw: true,
            path: `/session/${encodeURIComponent(id)}`,
            query: { image: 'true' },
            idempotent: true,
            ...options,
          },
          'model',
        );
        return fileOf(reply, 'downloadSessionImage');
      } catch (error) {
        throw notFound(error, id);
      }
    },
  };
}

function disabled(error: unknown): unknown {
  if (isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 406) {
    return new AiaaError('AIAA_UNSUPPORTED', 'the server has sessions disabled (HTTP 406): upload the image to the datastore instead', {
      details: { status: 406 },
      cause: error,
    });
  }
  return error;
}

function checkFileName(name: string): string {
  // The server stores the part under its base name: a path would only leak the caller's folders.
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name === '' || name.length > 255 || /[/\\\0-\x1f\x7f]/.test(name) || name === '.' || name === '..') {
    throw new AiaaError(
      'AIAA_INVALID_ARGUMENT',
      'createSession: a file name must be 1..255 characters without slashes or control characters',
      { details: { operation: 'createSession' } },
    );
  }
  return name;
}
