import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HttpProblem } from '../errors.js';
import { InternalFailure, MonaiProblem } from './replies.js';

/** How much the datastore takes: images, and the info kept per image or label (rewritten on every change). */
export interface DatastoreBounds {
  /** Images at most; one more is a 413. */
  readonly maxImages: number;
  /** Bytes of one image's or label's info as JSON at most; an update past it is a 413 and changes nothing. */
  readonly maxInfoBytes: number;
}

/** An image's or a label's record in `datastore_v2.json`. */
interface FileRecord {
  ext: string;
  info: Record<string, unknown>;
}

/** One image and its labels by tag. */
interface ObjectRecord {
  image: FileRecord;
  labels: Record<string, FileRecord>;
}

const INDEX = 'datastore_v2.json';
const IMAGE_EXTENSIONS = ['.nii.gz', '.nii', '.nrrd', '.dcm'];

/**
 * MONAI Label's local datastore on disk: images in the studies folder (`<id>.nii.gz`), labels under
 * `labels/<tag>/<id>.nii.gz`, and `datastore_v2.json` with every image's and label's info. Files appear
 * under their final names only once complete (written beside, then renamed). Images already in the folder
 * when the server starts are picked up, as MONAI Label does.
 */
export class LocalDatastore {
  private readonly objects = new Map<string, ObjectRecord>();
  private readonly checksums = new Map<string, { mtimeMs: number; checksum: string }>();

  private constructor(
    /** The studies folder. */
    readonly dir: string,
    private readonly now: () => number,
    private readonly bounds: DatastoreBounds,
  ) {}

  /** Opens (and creates) the datastore in `dir`. */
  static async open(
    dir: string,
    now: () => number,
    bounds: DatastoreBounds = { maxImages: Infinity, maxInfoBytes: Infinity },
  ): Promise<LocalDatastore> {
    const store = new LocalDatastore(resolve(dir), now, bounds);
    await mkdir(join(store.dir, 'labels'), { recursive: true });
    await store.load();
    return store;
  }

  /** `output=stats`: images, images with a final label, labels per tag. */
  stats(): Record<string, unknown> {
    const tags: Record<string, number> = {};
    let completed = 0;
    for (const record of this.objects.values()) {
      if (record.labels['final']) completed += 1;
      for (const tag of Object.keys(record.labels)) tags[tag] = (tags[tag] ?? 0) + 1;
    }
    return { total: this.objects.size, completed, label_tags: tags };
  }

  /** `output=all`: the whole index. */
  json(): Record<string, unknown> {
    return {
      name: 'new-dataset',
      description: 'New Dataset',
      images_dir: '.',
      labels_dir: 'labels',
      objects: Object.fromEntries(this.objects),
    };
  }

  /** `output=train`: server paths of images with a `final` label and the label. */
  datalist(tag = 'final'): { image: string; label: string }[] {
    const out: { image: string; label: string }[] = [];
    for (const [id, record] of this.objects) {
      const label = record.labels[tag];
      if (label) out.push({ image: this.imagePath(id)!, label: this.labelPath(id, tag)! });
    }
    return out;
  }

  /** Image ids in index order. */
  ids(): string[] {
    return [...this.objects.keys()];
  }

  /** Images without a label of `tag`. */
  withoutLabel(tag = 'final'): string[] {
    return this.ids().filter((id) => !this.objects.get(id)!.labels[tag]);
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  /** The image file's path, or `undefined` when there is no such image. */
  imagePath(id: string): string | undefined {
    const record = this.objects.get(id);
    return record ? join(this.dir, `${id}${record.image.ext}`) : undefined;
  }

  /** The label file's path, or `undefined`. */
  labelPath(id: string, tag: string): string | undefined {
    const label = this.objects.get(id)?.labels[tag];
    return label ? join(this.dir, 'labels', tag, `${id}${label.ext}`) : undefined;
  }

  /** Adds or replaces an image; `info` fields are kept in its record. */
  async addImage(id: string, data: Uint8Array, ext: string, info: Record<string, unknown>): Promise<string> {
    checkId(id);
    const extension = checkExt(ext);
    const previous = this.objects.get(id);
    if (!previous && this.objects.size >= this.bounds.maxImages) {
      throw new HttpProblem(413, `the datastore holds ${this.objects.size} images, its limit (limits.maxDatastoreImages)`);
    }
    this.checkInfo(info);
    if (previous && previous.image.ext !== extension) await rm(join(this.dir, `${id}${previous.image.ext}`), { force: true });
    await writeAtomic(join(this.dir, `${id}${extension}`), data);
    this.objects.set(id, {
      image: { ext: extension, info: { ...info, ts: this.seconds(), name: `${id}${extension}` } },
      labels: previous?.labels ?? {},
    });
    this.checksums.delete(id);
    await this.save();
    return id;
  }

  /** The image's bytes, file name and change time. */
  async readImage(id: string): Promise<{ data: Uint8Array; fileName: string; mtimeMs: number } | undefined> {
    const path = this.imagePath(id);
    if (!path || !existsSync(path)) return undefined;
    return { data: await readFile(path), fileName: `${id}${this.objects.get(id)!.image.ext}`, mtimeMs: (await stat(path)).mtimeMs };
  }

  /** `SHA256:<hex>` of the image, cached while the file is unchanged. */
  async checksum(id: string): Promise<string | undefined> {
    const path = this.imagePath(id);
    if (!path || !existsSync(path)) return undefined;
    const { mtimeMs } = await stat(path);
    const cached = this.checksums.get(id);
    if (cached?.mtimeMs === mtimeMs) return cached.checksum;
    const checksum = `SHA256:${createHash('sha256')
      .update(await readFile(path))
      .digest('hex')}`;
    this.checksums.set(id, { mtimeMs, checksum });
    return checksum;
  }

  /** Removes an image and its labels. */
  async removeImage(id: string): Promise<void> {
    const record = this.objects.get(id);
    if (!record) return;
    for (const tag of Object.keys(record.labels)) await rm(this.labelPath(id, tag)!, { force: true });
    await rm(this.imagePath(id)!, { force: true });
    this.objects.delete(id);
    await this.save();
  }

  imageInfo(id: string): Record<string, unknown> | undefined {
    return this.objects.get(id)?.image.info;
  }

  /** Merges fields into an image's info and returns it. */
  async updateImageInfo(id: string, info: Record<string, unknown>): Promise<Record<string, unknown>> {
    const record = this.objects.get(id);
    if (!record) throw new InternalFailure(`image ${id} not found`);
    this.checkInfo({ ...record.image.info, ...info });
    Object.assign(record.image.info, info);
    await this.save();
    return record.image.info;
  }

  /** Saves a label of an image; the label's id is the image's. */
  async saveLabel(id: string, data: Uint8Array, ext: string, tag: string, info: Record<string, unknown>): Promise<string> {
    checkId(tag);
    const record = this.objects.get(id);
    if (!record) throw new InternalFailure(`image ${id} not found in the datastore`);
    const extension = checkExt(ext);
    this.checkInfo(info);
    await mkdir(join(this.dir, 'labels', tag), { recursive: true });
    await writeAtomic(join(this.dir, 'labels', tag, `${id}${extension}`), data);
    record.labels[tag] = { ext: extension, info: { ...info, ts: this.seconds(), name: `${id}${extension}` } };
    await this.save();
    return id;
  }

  async readLabel(id: string, tag: string): Promise<{ data: Uint8Array; fileName: string; mtimeMs: number } | undefined> {
    const path = this.labelPath(id, tag);
    if (!path || !existsSync(path)) return undefined;
    return { data: await readFile(path), fileName: `${id}${this.objects.get(id)!.labels[tag]!.ext}`, mtimeMs: (await stat(path)).mtimeMs };
  }

  async removeLabel(id: string, tag: string): Promise<void> {
    const path = this.labelPath(id, tag);
    if (!path) return;
    await rm(path, { force: true });
    delete this.objects.get(id)!.labels[tag];
    await this.save();
  }

  labelInfo(id: string, tag: string): Record<string, unknown> | undefined {
    return this.objects.get(id)?.labels[tag]?.info;
  }

  async updateLabelInfo(id: string, tag: string, info: Record<string, unknown>): Promise<Record<string, unknown>> {
    const label = this.objects.get(id)?.labels[tag];
    if (!label) throw new InternalFailure(`label ${id} (${tag}) not found`);
    this.checkInfo({ ...label.info, ...info });
    Object.assign(label.info, info);
    await this.save();
    return label.info;
  }

  /** Refuses info larger than the bounds allow, before it joins the index. */
  private checkInfo(info: Record<string, unknown>): void {
    const bytes = Buffer.byteLength(JSON.stringify(info));
    if (bytes > this.bounds.maxInfoBytes)
      throw new HttpProblem(
        413,
        `the info would have ${bytes} bytes as JSON, more than ${this.bounds.maxInfoBytes} (limits.maxJsonBodyBytes)`,
      );
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private async load(): Promise<void> {
    let index: Record<string, ObjectRecord> = {};
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, INDEX), 'utf8')) as { objects?: Record<string, ObjectRecord> };
      index = parsed.objects ?? {};
    } catch {
      // No index yet (or a broken one): the folder's files are the truth.
    }
    for (const name of (await readdir(this.dir)).sort()) {
      const ext = IMAGE_EXTENSIONS.find((e) => name.endsWith(e) && name.length > e.length);
      if (!ext) continue;
      const id = name.slice(0, -ext.length);
      const known = index[id];
      const record: ObjectRecord = { image: { ext, info: known?.image?.info ?? { ts: this.seconds(), name } }, labels: {} };
      for (const [tag, label] of Object.entries(known?.labels ?? {})) {
        if (existsSync(join(this.dir, 'labels', tag, `${id}${label.ext}`))) record.labels[tag] = label;
      }
      this.objects.set(id, record);
    }
    // Labels copied into labels/<tag>/ by hand count too.
    for (const tag of existsSync(join(this.dir, 'labels')) ? await readdir(join(this.dir, 'labels')) : []) {
      for (const name of await readdir(join(this.dir, 'labels', tag)).catch(() => [] as string[])) {
        const ext = IMAGE_EXTENSIONS.find((e) => name.endsWith(e) && name.length > e.length);
        const record = ext ? this.objects.get(name.slice(0, -ext.length)) : undefined;
        if (ext && record && !record.labels[tag]) record.labels[tag] = { ext, info: { ts: this.seconds(), name } };
      }
    }
    await this.save();
  }

  private async save(): Promise<void> {
    await writeAtomic(join(this.dir, INDEX), Buffer.from(`${JSON.stringify(this.json(), null, 2)}\n`));
  }
}

/** Writes a file beside its final name and renames it, so that no partial file ever has the final name. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const temp = `${path}.part-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function checkId(id: string): void {
  // MONAI Label joins the id to its datastore folder as it is (an id with "../" writes outside it); the
  // testkit refuses such an id as the request error it is.
  // eslint-disable-next-line no-control-regex
  if (!id || id.length > 255 || /[/\\\0-\x1f\x7f]/.test(id) || id === '.' || id === '..' || id.startsWith('.')) {
    throw new MonaiProblem(422, [
      {
        loc: ['query', 'image'],
        msg: `invalid id "${id.slice(0, 60)}": no path separators, control characters or leading dot`,
        type: 'value_error.id',
      },
    ]);
  }
}

function checkExt(ext: string): string {
  if (!/^(\.[A-Za-z0-9]{1,8}){1,2}$/.test(ext)) throw new InternalFailure(`invalid file extension "${ext.slice(0, 20)}"`);
  return ext.toLowerCase();
}

/**
 * The extension of an uploaded file's name (the client may send a whole local path): `.nii.gz` for gzip'd
 * NIfTI, else the last suffix; default `.nii.gz`.
 */
export function extensionOf(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[/\\]/).pop() ?? '';
  if (/\.nii\.gz$/i.test(base)) return '.nii.gz';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '.nii.gz';
}
