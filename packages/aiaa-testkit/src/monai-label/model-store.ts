import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestModel } from '../models.js';
import { parseWindowModel, serializeWindowModel, type WindowModelParams } from '../window-model.js';

/**
 * The models of the MONAI Label face and the weights files of the learnable ones, in `<app>/model/<name>.json`
 * as a MONAI Label app keeps its `.pt` files: a training run or `PUT /model/{name}` replaces the file, the
 * next inference uses it, `DELETE` retires it as `<file>.<timestamp>.deleted`.
 */
export class ModelStore {
  private readonly trainStats = new Map<string, Record<string, unknown>>();
  /** Models whose weights file could not be read: their inference fails, as a broken `.pt` does. */
  private readonly broken = new Set<string>();

  private constructor(
    readonly models: Map<string, TestModel>,
    private readonly dir: string,
  ) {}

  /** Opens the store and loads the weights files already in `dir`. */
  static async open(models: Map<string, TestModel>, dir: string): Promise<ModelStore> {
    await mkdir(dir, { recursive: true });
    const store = new ModelStore(models, dir);
    for (const model of models.values()) if (model.trainable) await store.reload(model.name);
    return store;
  }

  /** The trainable models' names (the app's trainers). */
  trainers(): string[] {
    return [...this.models.values()].filter((m) => m.trainable).map((m) => m.name);
  }

  get(name: string): TestModel | undefined {
    return this.models.get(name);
  }

  isBroken(name: string): boolean {
    return this.broken.has(name);
  }

  /** The weights file's path, when there is one. */
  file(name: string): string | undefined {
    const path = join(this.dir, `${name}.json`);
    return this.models.get(name)?.trainable && existsSync(path) ? path : undefined;
  }

  /** Writes new weights (a training run's best model) and makes the model use them. */
  async saveTrained(name: string, params: WindowModelParams, stats: Record<string, unknown>): Promise<void> {
    await this.write(name, serializeWindowModel(params));
    this.trainStats.set(name, stats);
  }

  /** Replaces the weights file with uploaded bytes (`PUT /model/{name}`); `undefined` for a model without a weights file. */
  async upload(name: string, data: Uint8Array): Promise<{ checksum: string; modified_time: number } | undefined> {
    if (!this.models.get(name)?.trainable) return undefined;
    await this.write(name, data);
    return this.describe(name);
  }

  /** Retires the weights file: the model falls back to its untrained default. */
  async retire(name: string): Promise<boolean> {
    const path = this.file(name);
    if (!path) return false;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    await rename(path, `${path}.${stamp}.deleted`);
    await this.reload(name);
    return true;
  }

  /** `GET /model/info/{name}`: checksum, modification time and the last training figures. */
  async describe(name: string): Promise<{ checksum: string; modified_time: number; train_stats?: Record<string, unknown> } | undefined> {
    const path = this.file(name);
    if (!path) return undefined;
    const bytes = await readFile(path);
    const stats = this.trainStats.get(name);
    return {
      checksum: `SHA256:${createHash('sha256').update(bytes).digest('hex')}`,
      modified_time: Math.floor((await stat(path)).mtimeMs / 1000),
      ...(stats ? { train_stats: stats } : {}),
    };
  }

  /** `train_stats` of `/info/`. */
  allTrainStats(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(this.trainStats);
  }

  private async write(name: string, data: Uint8Array): Promise<void> {
    const path = join(this.dir, `${name}.json`);
    const temp = `${path}.part-${process.pid}`;
    await writeFile(temp, data);
    await rename(temp, path).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw error;
    });
    await this.reload(name);
  }

  private async reload(name: string): Promise<void> {
    const model = this.models.get(name);
    if (!model) return;
    const path = join(this.dir, `${name}.json`);
    this.broken.delete(name);
    const { window: _old, ...untrained } = model;
    void _old;
    if (!existsSync(path)) {
      this.models.set(name, untrained);
      return;
    }
    try {
      this.models.set(name, { ...untrained, window: parseWindowModel(await readFile(path)) });
    } catch {
      this.broken.add(name);
    }
  }
}
