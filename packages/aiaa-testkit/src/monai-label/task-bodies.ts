import { readFile } from 'node:fs/promises';
import { labelDice, type Volume } from '@medaas/nifti-io';
import { TestkitError } from '../errors.js';
import { fitWindowModel, type FitPair } from '../fit.js';
import { gridOf } from '../grid.js';
import type { ResolvedLimits } from '../limits.js';
import { decodeNiftiBounded } from '../nifti-upload.js';
import type { LocalDatastore } from './datastore.js';
import { runInference } from './inference.js';
import type { ModelStore } from './model-store.js';
import type { TaskBody } from './tasks.js';

/** What the background tasks work on. */
export interface TaskDeps {
  readonly datastore: LocalDatastore;
  readonly models: ModelStore;
  /** Each image is decoded within these (a file in the datastore is a client's upload too). */
  readonly limits: ResolvedLimits;
}

/**
 * `/train/{model}`: fits the learnable window model on the datastore's `final` labels (`val_split` of them
 * held out for the validation metric, at least one pair for training), printing MONAI/ignite-style epoch
 * lines, and writes the best parameters as the model's new weights, which the next inference uses.
 */
export function trainBody(deps: TaskDeps): TaskBody {
  return async (request, run) => {
    const name = String(request['model'] ?? '');
    const model = deps.models.get(name);
    if (!model?.trainable) throw new TestkitError('TESTKIT_TASK_FAILED', `model "${name}" has no trainer`);
    const started = Date.now();
    const pairs: FitPair[] = [];
    let held = 0;
    for (const { image, label } of deps.datastore.datalist('final')) {
      if (run.signal.aborted) throw run.signal.reason;
      const pair = { image: await readVolume(image, deps.limits), label: await readVolume(label, deps.limits) };
      // A run holds every pair at once: their decoded size is bounded as a whole.
      held += pair.image.data.byteLength + pair.label.data.byteLength;
      if (held > deps.limits.maxTrainingBytes)
        throw new TestkitError(
          'TESTKIT_TASK_FAILED',
          `the training pairs need more than ${deps.limits.maxTrainingBytes} bytes decoded (limits.maxTrainingBytes)`,
        );
      pairs.push(pair);
    }
    if (pairs.length === 0)
      throw new TestkitError('TESTKIT_TASK_FAILED', 'no training data: the datastore has no images with a final label');
    const split = clamp(Number(request['val_split'] ?? 0.2), 0, 0.9);
    const validationCount = pairs.length > 1 ? Math.min(pairs.length - 1, Math.round(pairs.length * split)) : 0;
    const training = pairs.slice(0, pairs.length - validationCount);
    const validation = pairs.slice(pairs.length - validationCount);
    run.log(`Train Request (final): ${JSON.stringify(request).slice(0, 2000)}`);
    run.log(`Total Records for Training: ${training.length}`);
    run.log(`Total Records for Validation: ${validation.length}`);
    const maxEpochs = Number(request['max_epochs'] ?? 9);
    const result = await fitWindowModel(training, {
      ...(validation.length > 0 ? { validation } : {}),
      maxEpochs: Number.isFinite(maxEpochs) && maxEpochs >= 1 ? maxEpochs : 9,
      signal: run.signal,
      onEpoch: (epoch) => {
        run.log(`Epoch: ${epoch.epoch}/${epoch.totalEpochs}, Iter: 1/1 -- train_loss: ${epoch.loss.toFixed(4)}`);
        run.log(`Epoch[${epoch.epoch}] Metrics -- val_mean_dice: ${epoch.metric.toFixed(4)}`);
        run.log(`Key metric: val_mean_dice best value: ${epoch.bestMetric.toFixed(4)} at epoch: ${epoch.bestEpoch}`);
      },
    });
    const last = result.epochs.at(-1)!;
    const seconds = Math.round((Date.now() - started) / 1000);
    await deps.models.saveTrained(name, result.best, {
      rank: 0,
      current_epoch: last.epoch,
      current_iteration: last.epoch,
      total_epochs: last.totalEpochs,
      total_iterations: last.totalEpochs,
      epoch: last.epoch,
      start_ts: Math.floor(started / 1000),
      total_time: `${Math.floor(seconds / 3600)}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`,
      best_metric: result.bestMetric,
      train: {
        metrics: { train_mean_dice: 1 - last.loss },
        key_metric_name: 'train_mean_dice',
        best_metric: 1 - last.loss,
        best_metric_epoch: last.epoch,
      },
      eval: {
        metrics: { val_mean_dice: last.metric },
        key_metric_name: 'val_mean_dice',
        best_metric: result.bestMetric,
        best_metric_epoch: result.bestEpoch,
      },
    });
    run.log(`Training finished: best val_mean_dice ${result.bestMetric.toFixed(4)} at epoch ${result.bestEpoch}; model ${name} updated`);
  };
}

/**
 * `/scoring/dice`: the Dice of each image's `original` label (a model's output) against its `final` label
 * (what the annotator made of it), stored in the final label's info as `dice`.
 */
export function scoringBody(deps: TaskDeps): TaskBody {
  return async (request, run) => {
    const method = String(request['method'] ?? '');
    if (method !== 'dice') throw new TestkitError('TESTKIT_TASK_FAILED', `unknown scoring method "${method}"`);
    let scored = 0;
    for (const id of deps.datastore.ids()) {
      if (run.signal.aborted) throw run.signal.reason;
      const original = deps.datastore.labelPath(id, 'original');
      const final = deps.datastore.labelPath(id, 'final');
      if (!original || !final) continue;
      const [a, b] = [await readVolume(original, deps.limits), await readVolume(final, deps.limits)];
      const score = labelDice(toMask(a), toMask(b), { label: 1 });
      await deps.datastore.updateLabelInfo(id, 'final', { dice: score });
      run.log(`${id}: dice ${score.toFixed(4)}`);
      scored += 1;
    }
    run.log(`Scored ${scored} images`);
  };
}

/**
 * `/batch/infer/{model}`: runs a model over datastore images (`images`: all, labeled or unlabeled) and saves
 * each result under `label_tag` (default `original`). Like MONAI Label on a CPU-only server, it fails unless
 * the request turns `multi_gpu` off.
 */
export function batchInferBody(deps: TaskDeps): TaskBody {
  return async (request, run) => {
    const name = String(request['model'] ?? '');
    const model = deps.models.get(name);
    if (!model) throw new TestkitError('TESTKIT_TASK_FAILED', `model "${name}" is not initialized`);
    if (request['multi_gpu'] !== false)
      throw new TestkitError(
        'TESTKIT_TASK_FAILED',
        'RuntimeError: multi_gpu batch inference needs CUDA devices; this server has none (send "multi_gpu": false)',
      );
    const which = String(request['images'] ?? 'all');
    const labelled = new Set(deps.datastore.datalist('final').map((pair) => pair.image));
    const ids = deps.datastore.ids().filter((id) => {
      const has = labelled.has(deps.datastore.imagePath(id)!);
      return which === 'all' || (which === 'labeled' ? has : !has);
    });
    const tag = String(request['label_tag'] ?? 'original');
    for (const id of ids) {
      if (run.signal.aborted) throw run.signal.reason;
      const volume = await readVolume(deps.datastore.imagePath(id)!, deps.limits);
      const result = await runInference(model, volume, { ...request }, deps.limits);
      if (result.kind !== 'mask') continue;
      if (request['save_label'] !== false) await deps.datastore.saveLabel(id, result.file, '.nii.gz', tag, { model: name });
      run.log(`${id}: ${name} -> labels/${tag}`);
    }
    run.log(`Batch inference of ${ids.length} images done`);
  };
}

async function readVolume(path: string, limits: ResolvedLimits): Promise<Volume> {
  return decodeNiftiBounded(new Uint8Array(await readFile(path)), path, limits);
}

function toMask(volume: Volume): Uint8Array {
  const grid = gridOf(volume);
  const out = new Uint8Array(grid.count);
  for (let i = 0; i < grid.count; i += 1) out[i] = grid.value(i) > 0 ? 1 : 0;
  return out;
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, value)) : low;
}
