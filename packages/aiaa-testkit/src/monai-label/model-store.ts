import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestModel } from '../models.js';
import { parseWindowModel, serializeWindowModel, type WindowModelParams } from '../window-model.js';
import { bundleModel } from './bundle-models.js';

/**
 * The models of the MONAI Label face and the weights files of the learnable ones, where a MONAI Label app
 * keeps them: `<app>/model/<name>.json` (the testkit's `.pt`), or, for a MONAI bundle in
 * `<app>/model/<name>/` (with `configs/metadata.json`), its `models/model.pt`. A training run or
 * `PUT /model/{name}` replaces the file; a file replaced on disk is reloaded before the next inference (as
 * MONAI Label reloads a network whose file changed); `DELETE` retires it as `<file>.<timestamp>.deleted`.
 */
export class ModelStore {
  private readonly trainStats = new Map<string, Record<string, unknown>>();
  /** Models whose weights file could not be read: their inference fails, as a broken `.pt` does. */
  private readonly broken = new Set<string>();
  /** Models that are MONAI bundles: their folder under `<app>/model/`. */
  private readonly bundles = new Set<string>();
  /** The size and time of each weights file when it was loaded, to notice a file replaced on disk. */
  private readonly loaded = new Map<string, string>();

  private constructor(
    readonly models: Map<string, TestModel>,
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Opens the store: every bundle folder in `dir` becomes a model (or backs the model of its name), and
   * the weights files already there are loaded.
   */
  static async open(models: Map<string, TestModel>, dir: string, log: (line: string) => void = () => undefined): Promise<ModelStore> {
    await mkdir(dir, { recursive: true });
    const store = new ModelStore(models, dir, log);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !existsSync(join(dir, entry.name, 'configs', 'metadata.json'))) continue;
      try {
        const model = bundleModel(
          entry.name,
          await readFile(join(dir, entry.name, 'configs', 'metadata.json'), 'utf8'),
          models.get(entry.name),
        );
        models.set(entry.name, model);
        store.bundles.add(entry.name);
        log(`Loaded bundle ${entry.name} (${model.labels?.join(', ') ?? ''})`);
      } catch (error) {
        // MONAI Label logs a bundle it cannot load and serves the others.
        log(`Skipping bundle ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const model of models.values()) if (model.trainable) await store.reload(model.name);
    return store;
  }

  /** The model, its weights reloaded first when the file changed on disk since it was loaded. */
  async fresh(name: string): Promise<TestModel | undefined> {
    if (this.models.get(name)?.trainable && ((await this.stamp(name)) ?? 'absent') !== this.loaded.get(name)) await this.reload(name);
    return this.models.get(name);
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

  /** Where a model's weights file is (whether or not it exists). */
  private weightsPath(name: string): string {
    return this.bundles.has(name) ? join(this.dir, name, 'models', 'model.pt') : join(this.dir, `${name}.json`);
  }

  private async stamp(name: string): Promise<string | undefined> {
    try {
      const info = await stat(this.weightsPath(name));
      return `${info.size}:${info.mtimeMs}:${info.ino}`;
    } catch {
      return undefined;
    }
  }

  /** The weights file's path, when there is one. */
  file(name: string): string | undefined {
    const path = this.weightsPath(name);
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
    const path = this.weightsPath(name);
    await mkdir(join(path, '..'), { recursive: true });
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
    const path = this.weightsPath(name);
    this.broken.delete(name);
    this.loaded.set(name, (await this.stamp(name)) ?? 'absent');
    const { window: _old, ...untrained } = model;
    void _old;
    if (!existsSync(path)) {
      this.models.set(name, untrained);
      return;
    }
    try {
      this.models.set(name, { ...untrained, window: parseWindowModel(await readFile(path)) });
    } catch (error) {
      this.broken.add(name);
      this.log(`Failed to load ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
