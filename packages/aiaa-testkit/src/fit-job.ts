import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { readNifti } from '@medaas/nifti-io';
import { fitWindowModel, type FitPair } from './fit.js';
import { serializeWindowModel } from './window-model.js';

/** Options of {@link runFitJob}. */
export interface FitJobOptions {
  /** The MMAR folder: `config/environment.json` names the data root, the data list and the output folders. */
  readonly mmarDir: string;
  /** Where progress lines go (the job's log). Default `console.log`. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Where a finished fit job left its results, relative paths resolved. */
export interface FitJobResult {
  readonly bestModel: string;
  readonly finalModel: string;
  readonly evalDir: string;
  readonly eventFile: string;
  readonly bestMetric: number;
  readonly bestEpoch: number;
}

/** A failure the job log names plainly (exit status 1), in the words Clara's logs use for the same faults. */
export class FitJobFailure extends Error {}

/**
 * The `fit` trainer as a batch job runs it: reads the MMAR's environment and data list, loads the validated
 * image + label pairs, fits the testkit model, and writes `models/model.json` (best), `models/model_final.json`,
 * `eval/metrics.json` and `models/train_stats.jsonl`, printing progress in Clara Train 4 (MONAI) log format:
 * `Epoch: 3/9, Iter: 1/1 -- train_loss: 0.1200`, `Epoch[3] Metrics -- val_mean_dice: 0.8800`,
 * `Key metric: val_mean_dice best value: 0.8800 at epoch: 3`.
 *
 * @throws {FitJobFailure} for a bad config, a missing data file or an empty data list.
 * @example
 * ```ts
 * const result = await runFitJob({ mmarDir: '/work/mmar' });
 * ```
 */
export async function runFitJob(options: FitJobOptions): Promise<FitJobResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const mmar = resolve(options.mmarDir);
  const env = await readJson(join(mmar, 'config', 'environment.json'));
  const text = (key: string, fallback?: string): string => {
    const value = env[key] ?? fallback;
    if (typeof value !== 'string' || value === '')
      throw new FitJobFailure(`invalid config config/environment.json: ${key} must be a non-empty string`);
    return value;
  };
  const dataRoot = text('DATA_ROOT');
  const datalistPath = absolute(mmar, text('DATASET_JSON'));
  const modelsDir = absolute(mmar, text('MMAR_CKPT_DIR', 'models'));
  const evalDir = absolute(mmar, text('MMAR_EVAL_OUTPUT_PATH', 'eval'));
  const datalist = await readJson(datalistPath);
  const entries = (key: string): { image: string; label: string }[] => {
    const list = datalist[key] ?? [];
    if (!Array.isArray(list)) throw new FitJobFailure(`invalid config ${datalistPath}: "${key}" must be a list`);
    return list.map((item: unknown, index) => {
      const e = item as Record<string, unknown> | null;
      if (!e || typeof e['image'] !== 'string' || typeof e['label'] !== 'string')
        throw new FitJobFailure(`invalid config ${datalistPath}: ${key}[${index}] needs "image" and "label"`);
      return { image: absolute(dataRoot, e['image']), label: absolute(dataRoot, e['label']) };
    });
  };
  const trainList = entries('training');
  const validationList = entries('validation');
  if (trainList.length === 0) throw new FitJobFailure(`invalid config ${datalistPath}: no training pairs`);
  log(`fit: MMAR ${mmar}: ${trainList.length} training pair(s), ${validationList.length} validation pair(s)`);
  const load = async (list: { image: string; label: string }[]): Promise<FitPair[]> => {
    const pairs: FitPair[] = [];
    for (const entry of list) pairs.push({ image: await readVolume(entry.image), label: await readVolume(entry.label) });
    return pairs;
  };
  const training = await load(trainList);
  const validation = await load(validationList);
  const maxEpochs = await configuredEpochs(mmar);
  const stats: string[] = [];
  const result = await fitWindowModel(training, {
    validation,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(maxEpochs !== undefined ? { maxEpochs } : {}),
    onEpoch: (e) => {
      log(`Epoch: ${e.epoch}/${e.totalEpochs}, Iter: 1/1 -- train_loss: ${e.loss.toFixed(4)} `);
      log(`Epoch[${e.epoch}] Metrics -- val_mean_dice: ${e.metric.toFixed(4)} `);
      log(`Key metric: val_mean_dice best value: ${e.bestMetric.toFixed(4)} at epoch: ${e.bestEpoch}`);
      stats.push(JSON.stringify({ epoch: e.epoch, train_loss: e.loss, val_mean_dice: e.metric, params: e.params }));
    },
  });
  await mkdir(modelsDir, { recursive: true });
  await mkdir(evalDir, { recursive: true });
  const bestModel = join(modelsDir, 'model.json');
  const finalModel = join(modelsDir, 'model_final.json');
  const eventFile = join(modelsDir, 'train_stats.jsonl');
  await atomicWrite(finalModel, serializeWindowModel(result.final));
  await atomicWrite(bestModel, serializeWindowModel(result.best));
  await atomicWrite(eventFile, `${stats.join('\n')}\n`);
  await atomicWrite(
    join(evalDir, 'metrics.json'),
    `${JSON.stringify({ val_mean_dice: result.bestMetric, best_epoch: result.bestEpoch }, null, 2)}\n`,
  );
  log(`Saved best model to ${bestModel} (val_mean_dice ${result.bestMetric.toFixed(4)} at epoch ${result.bestEpoch})`);
  log('Training finished');
  return { bestModel, finalModel, evalDir, eventFile, bestMetric: result.bestMetric, bestEpoch: result.bestEpoch };
}

function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : join(base, path);
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FitJobFailure(`FileNotFoundError: No such file or directory: '${path}'`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FitJobFailure(`invalid config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new FitJobFailure(`invalid config ${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}

async function readVolume(path: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new FitJobFailure(`FileNotFoundError: No such file or directory: '${path}'`);
  }
  return readNifti(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  // Readers (collectResults, a deploy) must never see half a model file.
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/**
 * The training configuration's top-level `epochs`, as Clara reads it, so that `setEpochs` (or `medaas mmar edit
 * --epochs`) shortens a run of this trainer too; it never runs more epochs than it has candidates (9).
 */
async function configuredEpochs(mmar: string): Promise<number | undefined> {
  const text = await readFile(join(mmar, 'config', 'config_train.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new FitJobFailure('invalid config config/config_train.json: not JSON');
  }
  const epochs = (config as { epochs?: unknown } | null)?.epochs;
  return typeof epochs === 'number' && Number.isInteger(epochs) && epochs > 0 ? epochs : undefined;
}
