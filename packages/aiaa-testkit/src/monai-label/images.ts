import { stat } from 'node:fs/promises';
import { convertDicomSeries, readNifti, type Volume } from '@medaas/nifti-io';
import type { RequestPart } from '../request-multipart.js';
import type { LocalDatastore } from './datastore.js';
import { InternalFailure } from './replies.js';
import type { MonaiSession } from './sessions.js';

const CACHED_IMAGES = 4;

/**
 * Loads the images models run on, as MONAI Label's `LoadImaged` does: an uploaded NIfTI, a session's image
 * (one NIfTI file, or a folder of DICOM files read as one series), or a datastore image. A file that cannot
 * be read is an exception the server does not catch (a bare 500). Datastore images stay decoded while their
 * file is unchanged, a few at a time.
 */
export class ImageDecoder {
  private readonly cache = new Map<string, { mtimeMs: number; volume: Promise<Volume> }>();

  constructor(private readonly datastore: LocalDatastore) {}

  async decodeUpload(part: RequestPart): Promise<Volume> {
    return decodeNifti(part.data, 'the uploaded file');
  }

  async decodeSession(session: MonaiSession): Promise<Volume> {
    session.decoded ??= session.files.length === 1 && !/\.dcm$/i.test(session.files[0]!.name)
      ? decodeNifti(session.files[0]!.data, 'the session image')
      : convertDicomSeries(session.files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength) }))).catch((error: unknown) => {
          throw new InternalFailure(`the session files are not a readable DICOM series: ${error instanceof Error ? error.message : String(error)}`);
        });
    const pending = session.decoded as Promise<Volume>;
    pending.catch(() => {
      if (session.decoded === pending) delete session.decoded;
    });
    return pending;
  }

  async decodeStored(id: string): Promise<Volume> {
    const path = id ? this.datastore.imagePath(id) : undefined;
    if (!path) throw new InternalFailure(`Image ${id} not found in the datastore`);
    const { mtimeMs } = await stat(path).catch(() => {
      throw new InternalFailure(`Image ${id} not found in the datastore`);
    });
    const cached = this.cache.get(id);
    if (cached && cached.mtimeMs === mtimeMs) return cached.volume;
    const volume = this.datastore.readImage(id).then((file) => {
      if (!file) throw new InternalFailure(`Image ${id} not found in the datastore`);
      return decodeNifti(file.data, `image ${id}`);
    });
    volume.catch(() => this.cache.delete(id));
    this.cache.set(id, { mtimeMs, volume });
    while (this.cache.size > CACHED_IMAGES) this.cache.delete(this.cache.keys().next().value!);
    return volume;
  }

  /** Drops a datastore image from the cache (it was replaced or removed). */
  forget(id: string): void {
    this.cache.delete(id);
  }
}

async function decodeNifti(data: Uint8Array, what: string): Promise<Volume> {
  try {
    return await readNifti(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (error) {
    throw new InternalFailure(`${what} is not a readable NIfTI image: ${error instanceof Error ? error.message : String(error)}`);
  }
}
