import type { CallOptions } from '@medaas/core';
import type { AiaaImage } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';
import type { AnnotationImage, AnnotationStorage } from './annotation-server.js';

/** One placement of an image on the server: its id, whether bytes were sent, and how to end it. */
export interface Placement {
  readonly id: string;
  readonly uploaded: boolean;
  close(options: CallOptions): Promise<void>;
}

const IMAGE = Symbol.for('@medaas/aiaa-client/annotation-image');

/** The internals of an {@link AnnotationImage} made here: the bytes it came from and its current placement. */
export interface OpenedImage extends AnnotationImage {
  readonly source: AiaaImage;
  /**
   * Runs a call with the current placement's id; when the server has lost it (`gone`), the image is placed
   * again from the same bytes and the call repeated, once.
   */
  use<T>(call: (id: string) => Promise<T>, gone: (error: unknown) => boolean, options: CallOptions): Promise<T>;
}

/** Makes an image handle over `place`, which uploads (or finds) the image on the server. */
export async function openImageHandle(
  source: AiaaImage,
  storage: AnnotationStorage,
  place: (options: CallOptions) => Promise<Placement>,
  options: CallOptions,
): Promise<OpenedImage> {
  let placement = await place(options);
  let uploads = placement.uploaded ? 1 : 0;
  let closed = false;
  const handle: OpenedImage = {
    source,
    storage,
    get id() {
      return placement.id;
    },
    get uploads() {
      return uploads;
    },
    async use(call, gone, callOptions) {
      if (closed) throw new AiaaError('AIAA_INVALID_ARGUMENT', 'the image was closed', { details: { image: placement.id } });
      try {
        return await call(placement.id);
      } catch (error) {
        if (!gone(error)) throw error;
        placement = await place(callOptions);
        if (placement.uploaded) uploads += 1;
        return call(placement.id);
      }
    },
    async close(closeOptions = {}) {
      if (closed) return;
      await placement.close(closeOptions);
      closed = true;
    },
    [Symbol.asyncDispose]() {
      return handle.close();
    },
  };
  Object.defineProperty(handle, IMAGE, { value: true });
  return handle;
}

/** The internals of an image handle made by this package. */
export function openedImage(image: AnnotationImage, operation: string): OpenedImage {
  if (typeof image !== 'object' || image === null || (image as { [IMAGE]?: unknown })[IMAGE] !== true) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: pass an image opened with openImage() of this server`, {
      details: { operation },
    });
  }
  return image as OpenedImage;
}
