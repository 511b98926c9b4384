import { AiaaError } from '../errors.js';
import type { AiaaImage, FileField } from './multipart-writer.js';

/**
 * The file part of an image upload. Servers pick their reader by extension, so the name follows the content
 * (`<stem>.nii.gz` for gzip bytes, else `<stem>.nii`, or an explicit `fileName`); it never names a local file.
 *
 * @throws {AiaaError} `AIAA_INVALID_ARGUMENT` when the image is not a `Uint8Array` or a `Blob`.
 */
export async function imageFileField(
  name: string,
  data: AiaaImage,
  stem: string,
  operation: string,
  fileName?: string,
): Promise<FileField> {
  checkImage(data, operation);
  return {
    name,
    fileName: fileName ?? `${stem}${(await isGzipImage(data)) ? '.nii.gz' : '.nii'}`,
    contentType: 'application/octet-stream',
    data,
  };
}

/** Checks that an upload is bytes or a `Blob`. */
export function checkImage(data: unknown, operation: string): asserts data is AiaaImage {
  if (!(data instanceof Uint8Array) && !(data instanceof Blob)) {
    throw invalid(`${operation}: the image must be a Uint8Array, a Blob or a session`, operation);
  }
}

/** Whether an image starts with the gzip magic bytes, so that it can be named `.nii.gz` like the official clients do. */
export async function isGzipImage(data: AiaaImage): Promise<boolean> {
  const head = data instanceof Uint8Array ? data.subarray(0, 2) : new Uint8Array(await data.slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
}

function invalid(message: string, operation: string): AiaaError {
  return new AiaaError('AIAA_INVALID_ARGUMENT', message, { details: { operation } });
}
