import { isMedaasError, type CallOptions } from '@medaas/core';
import { sessionHandle } from '../connection/closable.js';

const SESSION = Symbol.for('@medaas/aiaa-client/session');

/**
 * A session on an AIAA server: the server keeps the uploaded image, so later calls send only the session
 * id instead of the volume. Pass it wherever an image is accepted. `close()` deletes it on the server; it is
 * idempotent, and a session the server has already dropped counts as closed.
 */
export interface AiaaSession extends AsyncDisposable {
  /** The server's `session_id`. */
  readonly id: string;
  /** The reply of the server when the session was created (at least `session_id`). */
  readonly info: Readonly<Record<string, unknown>>;
  /** Whether `close()` has completed. */
  readonly closed: boolean;
  /**
   * Deletes the session on the server. Safe to call more than once.
   *
   * @throws {AiaaError} `AIAA_CONNECTION` or `AIAA_HTTP_STATUS` when the server cannot be told; a later call tries again.
   *
   * @example
   * ```ts
   * const session = await client.createSession(image);
   * try {
   *   await client.segmentation('clara_pt_spleen_ct_segmentation', session);
   * } finally {
   *   await session.close();
   * }
   * ```
   */
  close(options?: CallOptions): Promise<void>;
}

/** Whether a value is a session handle made by this package (checked by brand, so duplicate installs agree). */
export function isAiaaSession(value: unknown): value is AiaaSession {
  return typeof value === 'object' && value !== null && (value as { [SESSION]?: unknown })[SESSION] === true;
}

/** Makes a session handle whose `close` runs `remove` once. */
export function makeSession(
  id: string,
  info: Readonly<Record<string, unknown>>,
  remove: (id: string, options: CallOptions) => Promise<void>,
): AiaaSession {
  // Already expired or unknown on the server: nothing is left to delete.
  return sessionHandle(
    SESSION,
    id,
    info,
    remove,
    (error) =>
      isMedaasError(error, 'AIAA_SESSION_EXPIRED') || (isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404),
  );
}
