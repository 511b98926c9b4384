import type { Volume } from '@medaas/nifti-io';
import { TestkitError } from './errors.js';
import { otsuThreshold } from './algorithms.js';
import { gridOf, type Grid } from './grid.js';
import { windowSegmentation, type WindowModelParams } from './window-model.js';

/** One validated pair: an image and its reference mask (any value > 0 is the structure) on the same grid. */
export interface FitPair {
  readonly image: Volume;
  readonly label: Volume;
}

/** What one epoch of {@link fitWindowModel} tried and scored. */
export interface FitEpoch {
  readonly epoch: number;
  readonly totalEpochs: number;
  readonly params: WindowModelParams;
  /** 1 - mean Dice on the training pairs. */
  readonly loss: number;
  /** Mean Dice on the validation pairs (the training pairs when there are none). */
  readonly metric: number;
  readonly bestMetric: number;
  readonly bestEpoch: number;
}

/** Options of {@link fitWindowModel}. */
export interface FitOptions {
  /** Pairs scored for the validation metric. Default: the training pairs. */
  readonly validation?: readonly FitPair[];
  /** Called after each epoch, e.g. to print a progress line. */
  readonly onEpoch?: (epoch: FitEpoch) => void;
  /** Checked between epochs; the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Stop after this many epochs (the first epoch scores the default model). Default every candidate (9). */
  readonly maxEpochs?: number;
}

/** The outcome of {@link fitWindowModel}: the best parameters, their epoch and every epoch tried. */
export interface FitResult {
  readonly best: WindowModelParams;
  readonly bestMetric: number;
  readonly bestEpoch: number;
  readonly final: WindowModelParams;
  readonly epochs: readonly FitEpoch[];
}

const BINS = 256;
const OPENINGS = [0, 1, 2, 3] as const;

/**
 * Fits the testkit segmentation's parameters on validated pairs, a classical stand-in for training: epoch 1
 * scores the default model (Otsu), then the intensity window that maximises voxel Dice (from the pairs'
 * joint histograms) is combined with each opening radius and hole filling; the epoch with the best
 * validation Dice wins.
 *
 * @throws {Error} when there are no pairs or a pair's image and label differ in size.
 * @example
 * ```ts
 * const { best, bestMetric } = await fitWindowModel([{ image, label }]);
 * ```
 */
export async function fitWindowModel(training: readonly FitPair[], options: FitOptions = {}): Promise<FitResult> {
  if (training.length === 0) throw new TestkitError('TESTKIT_INVALID_TRAINING_DATA', 'fit needs at least one training pair');
  const train = training.map(prepare);
  const validation = options.validation && options.validation.length > 0 ? options.validation.map(prepare) : train;
  const first = train[0]!;
  let max = -Infinity;
  for (const pair of train) for (let i = 0; i < pair.grid.count; i += 1) max = Math.max(max, pair.grid.value(i));
  const window = bestWindow(train);
  const candidates: WindowModelParams[] = [{ low: otsuThreshold(first.grid), high: max, opening: 0, fillHoles: false }];
  for (const opening of OPENINGS) for (const fillHoles of [false, true]) candidates.push({ ...window, opening, fillHoles });
  if (options.maxEpochs !== undefined) candidates.splice(Math.max(1, Math.floor(options.maxEpochs)));

  const epochs: FitEpoch[] = [];
  let bestMetric = -1;
  let bestEpoch = 0;
  let best = candidates[0]!;
  for (const [index, params] of candidates.entries()) {
    if (options.signal?.aborted) throw options.signal.reason;
    // Yield between epochs so progress lines flush and an abort can land.
    await new Promise((resolve) => setImmediate(resolve));
    const loss = 1 - meanDice(train, params);
    const metric = validation === train && loss >= 0 ? 1 - loss : meanDice(validation, params);
    if (metric > bestMetric) {
      bestMetric = metric;
      bestEpoch = index + 1;
      best = params;
    }
    const epoch: FitEpoch = { epoch: index + 1, totalEpochs: candidates.length, params, loss, metric, bestMetric, bestEpoch };
    epochs.push(epoch);
    options.onEpoch?.(epoch);
  }
  return { best, bestMetric, bestEpoch, final: candidates[candidates.length - 1]!, epochs };
}

interface Prepared {
  readonly grid: Grid;
  readonly label: Uint8Array;
}

function prepare(pair: FitPair): Prepared {
  const grid = gridOf(pair.image);
  const labelGrid = gridOf(pair.label);
  if (labelGrid.count !== grid.count || labelGrid.nx !== grid.nx || labelGrid.ny !== grid.ny) {
    throw new TestkitError(
      'TESTKIT_INVALID_TRAINING_DATA',
      `image ${grid.nx}x${grid.ny}x${grid.nz} and label ${labelGrid.nx}x${labelGrid.ny}x${labelGrid.nz} differ in size`,
    );
  }
  const label = new Uint8Array(grid.count);
  for (let i = 0; i < grid.count; i += 1) label[i] = labelGrid.value(i) > 0 ? 1 : 0;
  return { grid, label };
}

function meanDice(pairs: readonly Prepared[], params: WindowModelParams): number {
  let sum = 0;
  for (const pair of pairs) {
    const mask = windowSegmentation(pair.grid, params);
    let both = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < mask.length; i += 1) {
      a += mask[i]!;
      b += pair.label[i]!;
      both += mask[i]! & pair.label[i]!;
    }
    sum += a + b === 0 ? 1 : (2 * both) / (a + b);
  }
  return sum / pairs.length;
}

/** The window `(low, high]` whose voxel-wise Dice against the labels is highest, from inside/outside histograms. */
function bestWindow(pairs: readonly Prepared[]): { low: number; high: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const { grid } of pairs) {
    for (let i = 0; i < grid.count; i += 1) {
      const v = grid.value(i);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!(max > min)) return { low: min - 1, high: max };
  const width = (max - min) / BINS;
  const inside = new Float64Array(BINS);
  const outside = new Float64Array(BINS);
  for (const { grid, label } of pairs) {
    for (let i = 0; i < grid.count; i += 1) {
      const bin = Math.min(BINS - 1, Math.floor((grid.value(i) - min) / width));
      if (label[i]) inside[bin]! += 1;
      else outside[bin]! += 1;
    }
  }
  let totalInside = 0;
  for (const n of inside) totalInside += n;
  let best = { lo: 0, hi: BINS - 1, dice: -1 };
  for (let lo = 0; lo < BINS; lo += 1) {
    let tp = 0;
    let fp = 0;
    for (let hi = lo; hi < BINS; hi += 1) {
      tp += inside[hi]!;
      fp += outside[hi]!;
      const dice = (2 * tp) / (tp + fp + totalInside || 1);
      if (dice > best.dice) best = { lo, hi, dice };
    }
  }
  // Bin lo covers [min + lo*width, min + (lo+1)*width): the window starts just below it.
  return { low: min + best.lo * width - width * 1e-6, high: best.hi === BINS - 1 ? max : min + (best.hi + 1) * width };
}
