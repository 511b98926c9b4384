import { MedaasError } from '@medaas/core';

/**
 * The failures of `@medaas/aiaa-client` (both protocols, AIAA v1 and MONAI Label), one literal per kind:
 * - `AIAA_HTTP_STATUS`: the server answered with an error status (`details.status`, `details.serverMessage`),
 *   or with a redirect, which is never followed (`details.location`; in browsers, which hide it, status 0).
 * - `AIAA_SESSION_EXPIRED`: the session is gone (AIAA: HTTP 440; MONAI Label: `GET /session/{id}` answers 404
 *   after a failed call); create a new one and retry.
 * - `AIAA_MODEL_NOT_FOUND`: the server has no model of that name (MONAI Label: checked against `/info/`
 *   after the server's bare 500).
 * - `AIAA_IMAGE_NOT_FOUND`: the datastore has no image of that id (MONAI Label).
 * - `AIAA_UNAUTHORIZED`: HTTP 401, the server wants credentials (none given, or a token it no longer accepts).
 * - `AIAA_AUTH_FAILED`: the server refused the user name and password (`/auth/token`).
 * - `AIAA_FORBIDDEN`: HTTP 403, the user's role does not allow the call (MONAI Label RBAC).
 * - `AIAA_BUSY`: HTTP 429, a task of that kind (training, scoring, batch inference) is already running.
 * - `AIAA_WRONG_PROTOCOL`: the server speaks the other protocol (an AIAA v1 server for the MONAI Label
 *   client, or the reverse).
 * - `AIAA_UNSUPPORTED`: the server or protocol does not offer the operation (e.g. training through an AIAA
 *   v1 server, sessions disabled on a MONAI Label server).
 * - `AIAA_CONNECTION`: no connection, a TLS failure, or the connection closed before the reply was complete.
 * - `AIAA_INVALID_RESPONSE`: a reply that is not what the protocol allows (bad JSON, malformed or truncated
 *   multipart, an unexpected content type).
 * - `AIAA_RESULT_NOT_FOUND`: a reply without the file part (the mask) that was expected.
 * - `AIAA_RESPONSE_TOO_LARGE`: a reply larger than its limit, raised when announced or crossed:
 *   `details.option` names it (`maxJsonBytes`, `maxVolumeBytes`, `maxResponseBytes`), with `limit` and
 *   `declared` (Content-Length) or `received`.
 * - `AIAA_INVALID_ARGUMENT`: a bad argument (base URL, reply limits, points, more than `MAX_POINTS` points,
 *   polygons, geometry, names).
 * - `AIAA_CLIENT_CLOSED`: the client was closed.
 * - `AIAA_IO`: a local file could not be opened.
 */
export type AiaaErrorCode =
  | 'AIAA_HTTP_STATUS'
  | 'AIAA_SESSION_EXPIRED'
  | 'AIAA_MODEL_NOT_FOUND'
  | 'AIAA_IMAGE_NOT_FOUND'
  | 'AIAA_UNAUTHORIZED'
  | 'AIAA_AUTH_FAILED'
  | 'AIAA_FORBIDDEN'
  | 'AIAA_BUSY'
  | 'AIAA_WRONG_PROTOCOL'
  | 'AIAA_UNSUPPORTED'
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
