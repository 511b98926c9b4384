import { MedaasError } from '@medaas/core';

/**
 * The failures of the DICOMweb client, one literal per kind:
 * - `DICOMWEB_UNREACHABLE`: no connection to the PACS (refused, reset before an answer, DNS, TLS).
 * - `DICOMWEB_UNAUTHORIZED`: HTTP 401, the PACS wants credentials (none given, or wrong ones).
 * - `DICOMWEB_FORBIDDEN`: HTTP 403, the credentials do not allow the call.
 * - `DICOMWEB_NOT_FOUND`: HTTP 404, no such study, series, instance or frame (the message names it).
 * - `DICOMWEB_HTTP_STATUS`: any other error status (`details.status`).
 * - `DICOMWEB_STREAM_INTERRUPTED`: the answer broke off midway (connection lost, a part shorter than its
 *   Content-Length, no closing boundary).
 * - `DICOMWEB_INVALID_RESPONSE`: an answer that DICOMweb does not allow (bad JSON, a multipart body without
 *   boundary, malformed part headers, an unexpected content type).
 * - `DICOMWEB_RESPONSE_TOO_LARGE`: a JSON answer or one part over its limit (`details.option`, `limit`).
 * - `DICOMWEB_TIMEOUT`: `timeoutMs` elapsed (for streamed retrieves: the wait for headers or the next chunk).
 * - `DICOMWEB_INVALID_ARGUMENT`: a bad argument (a UID that is not a UID, a bad base URL, a bad limit).
 */
export type DicomwebErrorCode =
  | 'DICOMWEB_UNREACHABLE'
  | 'DICOMWEB_UNAUTHORIZED'
  | 'DICOMWEB_FORBIDDEN'
  | 'DICOMWEB_NOT_FOUND'
  | 'DICOMWEB_HTTP_STATUS'
  | 'DICOMWEB_STREAM_INTERRUPTED'
  | 'DICOMWEB_INVALID_RESPONSE'
  | 'DICOMWEB_RESPONSE_TOO_LARGE'
  | 'DICOMWEB_TIMEOUT'
  | 'DICOMWEB_INVALID_ARGUMENT';

/**
 * The error every DICOMweb call rejects with (apart from aborts, which reject with `signal.reason`). The
 * message and `details` name the operation, the study/series/instance UIDs and the URL path (never the
 * query string, which may hold patient names, and never credentials).
 *
 * @example
 * ```ts
 * try {
 *   for await (const bytes of client.retrieveSeries(studyUid, seriesUid)) save(bytes);
 * } catch (error) {
 *   if (isMedaasError(error, 'DICOMWEB_NOT_FOUND')) console.warn(error.message, error.details.seriesUid);
 *   else throw error;
 * }
 * ```
 */
export class DicomwebError extends MedaasError<DicomwebErrorCode> {}
