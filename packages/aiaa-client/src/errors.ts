import { MedaasError } from '@medaas/core';

/**
 * The failures of `@medaas/aiaa-client`, one literal per kind:
 * - `AIAA_HTTP_STATUS`: the server answered with an error status (`details.status`, `details.serverMessage`).
 * - `AIAA_SESSION_EXPIRED`: HTTP 440, the session is gone; create a new one and retry.
 * - `AIAA_CONNECTION`: no connection, a TLS failure, or the connection closed before the reply was complete.
 * - `AIAA_INVALID_RESPONSE`: a reply that is not what the protocol allows (bad JSON, malformed or truncated
 *   multipart, an unexpected content type).
 * - `AIAA_RESULT_NOT_FOUND`: a multipart reply without the file part (the mask) that was expected.
 * - `AIAA_RESPONSE_TOO_LARGE`: a reply larger than `maxResponseBytes`.
 * - `AIAA_INVALID_ARGUMENT`: a bad argument (base URL, points, polygons, geometry).
 * - `AIAA_CLIENT_CLOSED`: the client was closed.
 * - `AIAA_IO`: a local file could not be opened.
 */
export type AiaaErrorCode =
  | 'AIAA_HTTP_STATUS'
  | 'AIAA_SESSION_EXPIRED'
  | 'AIAA_CONNECTION'
  | 'AIAA_INVALID_RESPONSE'
  | 'AIAA_RESULT_NOT_FOUND'
  | 'AIAA_RESPONSE_TOO_LARGE'
  | 'AIAA_INVALID_ARGUMENT'
  | 'AIAA_CLIENT_CLOSED'
  | 'AIAA_IO';

/**
 * The error every `@medaas/aiaa-client` call rejects with (apart from aborts and timeouts, which reject
 * with `signal.reason`). HTTP failures carry `details.status` and the server's own message.
 *
 * @example
 * ```ts
 * try {
 *   await client.deepgrow('deepgrow_3d', session, { foreground: [[10, 20, 30]] });
 * } catch (error) {
 *   if (isMedaasError(error, 'AIAA_SESSION_EXPIRED')) session = await client.createSession(image);
 *   else throw error;
 * }
 * ```
 */
export class AiaaError extends MedaasError<AiaaErrorCode> {}
