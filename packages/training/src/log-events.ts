/** One observation parsed from a training log line. */
export type TrainingLogEvent =
  | {
      /** A training iteration: `Epoch: 3/100, Iter: 2/16 -- train_loss: 0.4210` (Clara Train 4 / MONAI). */
      readonly type: 'iteration';
      readonly epoch: number;
      readonly totalEpochs: number;
      readonly iteration: number;
      readonly totalIterations: number;
      /** The first value whose name contains `loss`, when the line has one. */
      readonly loss?: number;
      readonly values: Readonly<Record<string, number>>;
    }
  | {
      /** Validation metrics of an epoch: `Epoch[3] Metrics -- val_mean_dice: 0.8812`. */
      readonly type: 'validation';
      readonly epoch: number;
      /** The first metric's name, e.g. `val_mean_dice`. */
      readonly name: string;
      readonly metric: number;
      readonly values: Readonly<Record<string, number>>;
    }
  | {
      /** The best validation metric so far: `Key metric: val_mean_dice best value: 0.8812 at epoch: 3`. */
      readonly type: 'best';
      readonly name: string;
      readonly metric: number;
      readonly epoch: number;
    }
  | {
      /**
       * An engine started its run: `Engine run resuming from iteration 0, epoch 0 until 100 epochs`, as
       * PyTorch Ignite logs it under MONAI bundles and Clara 4 (`fromEpoch` > 0 when resuming).
       */
      readonly type: 'start';
      /** `trainer` or `evaluator`, from the logger name (`ignite.engine.engine.SupervisedTrainer`); `trainer` when absent. */
      readonly engine: 'trainer' | 'evaluator';
      readonly fromEpoch: number;
      readonly totalEpochs: number;
    }
  | {
      /** An epoch ended: `Epoch[3] Complete. Time taken: 00:00:18.345`. */
      readonly type: 'epoch';
      readonly engine: 'trainer' | 'evaluator';
      readonly epoch: number;
      readonly seconds: number;
    }
  | {
      /** An engine's run ended: `Engine run complete. Time taken: 00:05:12.020`. */
      readonly type: 'complete';
      readonly engine: 'trainer' | 'evaluator';
      readonly seconds: number;
    };

/** Why a training job failed, as its log says it. */
export type TrainingFailureReason = 'out-of-memory' | 'missing-file' | 'bad-config' | 'cancelled' | 'timed-out' | 'error' | 'unknown';

/** A failed job's reason and the log line that gave it away. */
export interface TrainingFailure {
  readonly reason: TrainingFailureReason;
  /** The telling log line, or a sentence when the log says nothing useful. */
  readonly message: string;
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf`;
const ITERATION = new RegExp(String.raw`Epoch:\s*(\d+)\s*/\s*(\d+)\s*,\s*Iter(?:ation)?:\s*(\d+)\s*/\s*(\d+)(.*)$`);
const EPOCH_METRICS = /Epoch\[(\d+)\]\s*Metrics\s*--\s*(.*)$/;
const KEY_METRIC = new RegExp(String.raw`Key metric:\s*(\S+)\s+best value:\s*(${NUMBER})\s+at epoch:\s*(\d+)`, 'i');
const ENGINE_START = /Engine run resuming from iteration\s+\d+,\s*epoch\s+(\d+)\s+until\s+(\d+)\s+epochs/;
const EPOCH_COMPLETE = /Epoch\[(\d+)\]\s*Complete\.\s*Time taken:\s*(\d+):(\d+):(\d+(?:\.\d+)?)/;
const RUN_COMPLETE = /Engine run complete\.\s*Time taken:\s*(\d+):(\d+):(\d+(?:\.\d+)?)/;
const PAIR = new RegExp(String.raw`([A-Za-z_][\w./-]*)\s*[:=]\s*(${NUMBER})(?![\w.])`, 'g');

function numberOf(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf') return Number.POSITIVE_INFINITY;
  return Number(text);
}

function valuesOf(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const match of text.matchAll(PAIR)) {
    const name = match[1]!;
    // `time: 1.2s` and similar are timing, not training values.
    if (/^time$|_time$/i.test(name)) continue;
    values[name] = numberOf(match[2]!);
  }
  return values;
}

/** Ignite names its logger after the engine class; evaluators validate, everything else trains. */
function engineOf(line: string): 'trainer' | 'evaluator' {
  return /ignite\.engine\.engine\.\w*Evaluator\b/.test(line) ? 'evaluator' : 'trainer';
}

function secondsOf(hours: string, minutes: string, seconds: string): number {
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/** The start, epoch-end and run-end lines PyTorch Ignite writes for MONAI bundles and Clara 4. */
function engineEvent(line: string): TrainingLogEvent | undefined {
  const start = ENGINE_START.exec(line);
  if (start) return { type: 'start', engine: engineOf(line), fromEpoch: Number(start[1]), totalEpochs: Number(start[2]) };
  const epoch = EPOCH_COMPLETE.exec(line);
  if (epoch) return { type: 'epoch', engine: engineOf(line), epoch: Number(epoch[1]), seconds: secondsOf(epoch[2]!, epoch[3]!, epoch[4]!) };
  const complete = RUN_COMPLETE.exec(line);
  if (complete) return { type: 'complete', engine: engineOf(line), seconds: secondsOf(complete[1]!, complete[2]!, complete[3]!) };
  return undefined;
}

/**
 * Parses one log line into a typed event, or `undefined` for lines that carry no progress: MONAI's
 * `StatsHandler` lines (iterations, epoch metrics, the best key metric) as MONAI bundles and Clara 4 write
 * them, PyTorch Ignite's engine lines (run start, epoch end, run end, with the engine from the logger
 * name), and Clara Train 3 lines (`Epoch: 1/10, Iter: 2/5 [===] train_loss: 0.5`). Leading timestamps and
 * logger names are ignored.
 *
 * @example
 * ```ts
 * parseTrainingLine('2021-06-01 10:00:00 INFO Epoch[4] Metrics -- val_mean_dice: 0.8123');
 * // { type: 'validation', epoch: 4, name: 'val_mean_dice', metric: 0.8123, values: { val_mean_dice: 0.8123 } }
 * ```
 */
export function parseTrainingLine(line: string): TrainingLogEvent | undefined {
  if (line.length > 10_000) return undefined;
  const engine = engineEvent(line);
  if (engine) return engine;
  const best = KEY_METRIC.exec(line);
  if (best) return { type: 'best', name: best[1]!, metric: numberOf(best[2]!), epoch: Number(best[3]) };
  const iteration = ITERATION.exec(line);
  if (iteration) {
    const values = valuesOf(iteration[5]!);
    const lossKey = Object.keys(values).find((k) => /loss/i.test(k));
    return {
      type: 'iteration',
      epoch: Number(iteration[1]),
      totalEpochs: Number(iteration[2]),
      iteration: Number(iteration[3]),
      totalIterations: Number(iteration[4]),
      ...(lossKey === undefined ? {} : { loss: values[lossKey]! }),
      values,
    };
  }
  const metrics = EPOCH_METRICS.exec(line);
  if (metrics) {
    const values = valuesOf(metrics[2]!);
    const name = Object.keys(values)[0];
    if (name === undefined) return undefined;
    return { type: 'validation', epoch: Number(metrics[1]), name, metric: values[name]!, values };
  }
  return undefined;
}

/**
 * Parses a whole log (or a chunk of complete lines) into events, in order.
 *
 * @example
 * ```ts
 * const events = parseTrainingLog(await scheduler.readOutput(job));
 * ```
 */
export function parseTrainingLog(text: string): TrainingLogEvent[] {
  const events: TrainingLogEvent[] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const event = parseTrainingLine(line);
    if (event) events.push(event);
  }
  return events;
}

/** A parser for a log read in arbitrary chunks: a line split across two reads is parsed once, whole. */
export interface TrainingLogParser {
  /** Feeds the next chunk; returns the events of the lines it completed. */
  push(chunk: string): TrainingLogEvent[];
  /** Parses what is left after the last newline (the log ended without one). */
  end(): TrainingLogEvent[];
}

/**
 * Creates a chunk-wise log parser.
 *
 * @example
 * ```ts
 * const parser = createTrainingLogParser();
 * parser.push('Epoch: 1/2, Iter: 1/1 -- train_lo');
 * parser.push('ss: 0.5\n'); // [{ type: 'iteration', loss: 0.5, ... }]
 * ```
 */
export function createTrainingLogParser(): TrainingLogParser {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const cut = Math.max(pending.lastIndexOf('\n'), pending.lastIndexOf('\r'));
      if (cut < 0) {
        // A runaway line without newline must not grow without bound.
        if (pending.length > 1 << 20) pending = pending.slice(-(1 << 16));
        return [];
      }
      const complete = pending.slice(0, cut);
      pending = pending.slice(cut + 1);
      return parseTrainingLog(complete);
    },
    end() {
      const rest = pending;
      pending = '';
      return parseTrainingLog(rest);
    },
  };
}

const FAILURES: readonly (readonly [TrainingFailureReason, RegExp])[] = [
  [
    'out-of-memory',
    /CUDA out of memory|CUDA error: out of memory|OutOfMemoryError|OOM when allocating|Out of memory|oom[-_ ]kill|MemoryError|Killed\b/i,
  ],
  ['missing-file', /FileNotFoundError|No such file or directory|does not exist/i],
  ['bad-config', /invalid config|JSONDecodeError|json\.decoder|KeyError|ConfigError|config.*(?:invalid|error)|unrecognized arguments/i],
];

/**
 * Finds why a training job failed in its log: out of memory (CUDA, the OOM killer), a missing data
 * file, a bad config, or else the last error line. `undefined` when nothing in the log says so.
 *
 * @example
 * ```ts
 * diagnoseTrainingLog('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB');
 * // { reason: 'out-of-memory', message: 'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB' }
 * ```
 */
export function diagnoseTrainingLog(log: string): TrainingFailure | undefined {
  const lines = log
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const [reason, pattern] of FAILURES) {
    for (let i = lines.length - 1; i >= 0; i -= 1) if (pattern.test(lines[i]!)) return { reason, message: lines[i]!.slice(0, 500) };
  }
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    if (/(?:error|exception)\b|\bfatal\b/i.test(lines[i]!) && !/^Traceback/.test(lines[i]!))
      return { reason: 'error', message: lines[i]!.slice(0, 500) };
  }
  return undefined;
}
