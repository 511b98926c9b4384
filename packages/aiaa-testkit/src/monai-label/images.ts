import { stat } from 'node:fs/promises';
import { convertDicomSeries, listDicomSeries } from '@medaas/dicom';
import type { Volume } from '@medaas/nifti-io';
import { HttpProblem } from '../errors.js';
import type { ResolvedLimits } from '../limits.js';
import { decodeNiftiBounded, niftiUploadSize, UnreadableImage, type ImageLimits } from '../nifti-upload.js';
import type { RequestPart } from '../request-multipart.js';
import type { LocalDatastore } from './datastore.js';
import { InternalFailure } from './replies.js';
import type { MonaiSession, SessionFile } from './sessions.js';

const CACHED_IMAGES = 4;

/**
 * Loads the images models run on, as MONAI Label's `LoadImaged` does: an uploaded NIfTI, a session's image
 * (one NIfTI file, or a folder of DICOM files read as one series), or a datastore image. A file that cannot
 * be read is an exception the server does not catch (a bare 500); one over the server's limits is a 413 or
 * 422, from its header, before it is inflated. Datastore images stay decoded while their file is unchanged,
 * a few at a time and at most `limits.maxDecodedBytes` of them.
 */
export class ImageDecoder {
  private readonly cache = new Map<string, { mtimeMs: number; volume: Promise<Volume>; bytes: number }>();

  constructor(
    private readonly datastore: LocalDatastore,
    private readonly limits: ResolvedLimits,
  ) {}

  async decodeUpload(part: RequestPart): Promise<Volume> {
    return decodeNifti(part.data, 'the uploaded file', this.limits);
  }

  /**
   * The bytes a session's decoded image will take, from its NIfTI header, or for a DICOM series from its
   * files' rows, columns and planes (4 bytes a voxel: slices of different scalings become float32); 0 for
   * files that are neither (their inference fails later, as on the real server).
   *
   * @throws {HttpProblem} 413/422 for an image over the limits.
   */
  async sessionDecodedBytes(files: readonly SessionFile[]): Promise<number> {
    if (files.length !== 1 || /\.dcm$/i.test(files[0]!.name)) return this.seriesDecodedBytes(files);
    try {
      return (await niftiUploadSize(files[0]!.data, 'the session image', this.limits)).dataBytes;
    } catch (error) {
      if (error instanceof UnreadableImage) return 0;
      throw error;
    }
  }

  private async seriesDecodedBytes(files: readonly SessionFile[]): Promise<number> {
    let series;
    try {
      series = await listDicomSeries(
        files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength) })),
      );
    } catch {
      return 0;
    }
    let most = 0;
    for (const s of series) {
      const voxels = s.rows * s.columns * s.sliceCount;
      const shape = `${s.columns}x${s.rows}x${s.sliceCount}`;
      if (voxels > this.limits.maxVoxels)
        throw new HttpProblem(
          413,
          `the DICOM series has ${shape} voxels, more than the ${this.limits.maxVoxels} this server decodes (limits.maxVoxels)`,
        );
      if (voxels * 4 > this.limits.maxDecodedBytes)
        throw new HttpProblem(
          413,
          `the DICOM series has ${shape} voxels (up to ${voxels * 4} bytes decoded), more than the ${this.limits.maxDecodedBytes} this server decodes (limits.maxDecodedBytes)`,
        );
      most = Math.max(most, voxels * 4);
    }
    return most;
  }

  async decodeSession(session: MonaiSession): Promise<Volume> {
    session.decoded ??=
      session.files.length === 1 && !/\.dcm$/i.test(session.files[0]!.name)
        ? decodeNifti(session.files[0]!.data, 'the session image', this.limits)
        : convertDicomSeries(
            session.files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength) })),
          ).catch((error: unknown) => {
            throw new InternalFailure(
              `the session files are not a readable DICOM series: ${error instanceof Error ? error.message : String(error)}`,
            );
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
    const entry = { mtimeMs, bytes: 0, volume: Promise.resolve(undefined as unknown as Volume) };
    entry.volume = this.datastore.readImage(id).then(async (file) => {
      if (!file) throw new InternalFailure(`Image ${id} not found in the datastore`);
      const volume = await decodeNifti(file.data, `image ${id}`, this.limits);
      entry.bytes = volume.data.byteLength;
      this.evict();
      return volume;
    });
    entry.volume.catch(() => {
      if (this.cache.get(id) === entry) this.cache.delete(id);
    });
    this.cache.set(id, entry);
    this.evict();
    return entry.volume;
  }

  /** Drops a datastore image from the cache (it was replaced or removed). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  /** Oldest first, while over the count or the bytes; the newest entry always stays. */
  private evict(): void {
    let total = 0;
    for (const entry of this.cache.values()) total += entry.bytes;
    for (const [key, entry] of this.cache) {
      if (this.cache.size <= 1 || (this.cache.size <= CACHED_IMAGES && total <= this.limits.maxDecodedBytes)) break;
      this.cache.delete(key);
      total -= entry.bytes;
    }
  }
}

/** A NIfTI decoded within the limits; an unreadable one is the uncaught exception (500) MONAI Label has. */
export async function decodeNifti(data: Uint8Array, what: string, limits: ImageLimits): Promise<Volume> {
  try {
    return await decodeNiftiBounded(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), what, limits);
  } catch (error) {
    if (error instanceof UnreadableImage) throw new InternalFailure(`${what} is not a readable NIfTI image: ${error.message}`);
    throw error;
  }
}
