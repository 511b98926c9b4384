import { sleep, type CallOptions } from '@medaas/core';
import type { Job, JobSpec, JobStatus, Scheduler } from '@medaas/cluster-ssh';
import { TrainingError } from './errors.js';
import { jobFiles } from './job-files.js';
import { createTrainingLogParser, diagnoseTrainingLog, type TrainingFailure, type TrainingLogEvent } from './log-events.js';
import { archiveDirOf, isBundleTraining, trainingJobSpec, type TrainingMode, type TrainingScriptOptions } from './training-script.js';

/** The options of {@link submitTraining} besides the script's. */
export interface SubmitTrainingExtras extends CallOptions {
  /** Scheduler options (partition, account, walltime, modules, CPUs, memory, name...); the script is rendered. */
  readonly job?: Omit<JobSpec, 'script' | 'name'> & { readonly name?: string };
  /** The checkpoint folder (`MMAR_CKPT_DIR`, a bundle's `models`), relative to the archive. Default `models`. */
  readonly modelsDir?: string;
  /** The evaluation folder (`MMAR_EVAL_OUTPUT_PATH`, a bundle's `eval`), relative to the archive. Default `eval`. */
  readonly evalDir?: string;
}

/** Options of {@link submitTraining}: an MMAR's or a bundle's script options, and the job's. */
export type SubmitTrainingOptions = TrainingScriptOptions & SubmitTrainingExtras;

/** A submitted training job and where its MMAR or bundle is. */
export interface TrainingJob {
  readonly job: Job;
  readonly mode: TrainingMode;
  /** What trains: a Clara MMAR or a MONAI bundle. */
  readonly archive: 'mmar' | 'bundle';
  /** The MMAR or bundle folder. */
  readonly dir: string;
  /** The MMAR folder (MMAR jobs only). */
  readonly mmarDir?: string;
  readonly modelsDir: string;
  readonly evalDir: string;
}

/** What {@link watchTraining} yields: the job's state changes, progress parsed from its log, and the end. */
export type TrainingEvent =
  | { readonly type: 'state'; readonly status: JobStatus }
  | TrainingLogEvent
  | {
      readonly type: 'end';
      readonly status: JobStatus;
      /** Why it failed, from the log (or the scheduler's state when the log says nothing). Absent on success. */
      readonly failure?: TrainingFailure;
      /** The last lines of the job's log. */
      readonly logTail: string;
    };

/** Options of {@link watchTraining}. */
export interface WatchTrainingOptions {
  /** Time between polls of the job and its log. Default 1000 ms. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Submits a training, fine-tuning, multi-GPU, evaluation or export job for an MMAR or a MONAI bundle
 * through any scheduler.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for inconsistent options.
 * @throws {ClusterSshError} `SCHED_SUBMIT_FAILED` when the scheduler refuses the job.
 * @example
 * ```ts
 * const training = await submitTraining(slurm, { mmarDir: '/scratch/mmar', mode: 'train-multi-gpu', gpus: 4, job: { partition: 'gpu', walltimeSec: 86_400 } });
 * const bundleJob = await submitTraining(slurm, { bundleDir: '/scratch/spleen_ct_segmentation', overrides: { epochs: 50 }, job: { partition: 'gpu' } });
 * ```
 */
export async function submitTraining(scheduler: Scheduler, options: SubmitTrainingOptions): Promise<TrainingJob> {
  const spec = trainingJobSpec(options, scheduler.kind, options.job ?? {});
  const job = await scheduler.submit(spec, { signal: options.signal, timeoutMs: options.timeoutMs });
  const root = archiveDirOf(options);
  const join = (dir: string): string => (dir.startsWith('/') ? dir : `${root.replace(/\/+$/, '')}/${dir}`);
  const bundle = isBundleTraining(options);
  return {
    job,
    mode: options.mode ?? 'train',
    archive: bundle ? 'bundle' : 'mmar',
    dir: root,
    ...(bundle ? {} : { mmarDir: root }),
    modelsDir: join(options.modelsDir ?? 'models'),
    evalDir: join(options.evalDir ?? 'eval'),
  };
}

function tailLines(text: string, count = 20): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-count)
    .join('\n');
}

/**
 * The failure of an ended job (`undefined` when it succeeded): cancelled and timed-out jobs say so, else
 * the log's reason, else the scheduler's own state and exit status.
 *
 * @example
 * ```ts
 * failureOf(await scheduler.status(job), await scheduler.readOutput(job));
 * ```
 */
export function failureOf(status: JobStatus, log: string): TrainingFailure | undefined {
  if (status.state === 'succeeded') return undefined;
  if (status.state === 'cancelled') return { reason: 'cancelled', message: status.reason ?? 'the job was cancelled' };
  if (status.state === 'timed-out') return { reason: 'timed-out', message: status.reason ?? 'the job reached its walltime' };
  return (
    diagnoseTrainingLog(log) ?? {
      reason: 'unknown',
      message: `the job ended ${status.rawState}${status.exitCode === undefined ? '' : ` with exit status ${status.exitCode}`}`,
    }
  );
}

/**
 * Watches a training job: yields its state changes and the progress events parsed from its log as they
 * appear (iteration loss, epoch validation metric, best metric so far), then one `end` event with the
 * failure reason parsed from the log and the log's tail. Breaking out of the loop stops the polling (the
 * job keeps running: cancel it with `scheduler.cancel`).
 *
 * @throws {ClusterSshError} `SCHED_STATUS_FAILED` / `SCHED_JOB_UNKNOWN` from the scheduler.
 * @example
 * ```ts
 * for await (const event of watchTraining(scheduler, training)) {
 *   if (event.type === 'validation') console.log(`epoch ${event.epoch}: ${event.name} ${event.metric}`);
 * }
 * ```
 */
export async function* watchTraining(
  scheduler: Scheduler,
  training: TrainingJob,
  options: WatchTrainingOptions = {},
): AsyncGenerator<TrainingEvent> {
  const { signal } = options;
  const files = jobFiles(scheduler.session);
  const parser = createTrainingLogParser();
  let offset = 0;
  let log = '';
  let last: string | undefined;
  const readNew = async (): Promise<TrainingLogEvent[]> => {
    const chunk = await files.readFrom(training.job.outputPath, offset, { signal });
    offset += Buffer.byteLength(chunk);
    log = (log + chunk).slice(-64 * 1024);
    return parser.push(chunk);
  };
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const status = await scheduler.status(training.job, { signal });
    if (status.state !== last) {
      last = status.state;
      yield { type: 'state', status };
    }
    for (const event of await readNew()) yield event;
    if (status.terminal) {
      for (const event of parser.end()) yield event;
      const failure = failureOf(status, log);
      yield { type: 'end', status, ...(failure ? { failure } : {}), logTail: tailLines(log) };
      return;
    }
    await sleep(options.intervalMs ?? 1000, { signal });
  }
}

/** Where a finished training job left its results. */
export interface TrainingResults {
  /** `user@host:port` of the login node, or `local`. */
  readonly where: string;
  /** The best checkpoint (`model.pt`, `model.ts`, or the testkit's `model.json`), when there is one. */
  readonly bestModel?: string;
  /** The last epoch's checkpoint (`model_final.pt`...), when there is one. */
  readonly finalModel?: string;
  /** The evaluation folder (`eval`). */
  readonly evalDir: string;
  /** The event and statistics files (TensorBoard `events.out.tfevents.*`, `train_stats.jsonl`). */
  readonly eventFiles: readonly string[];
  /** Every file in the models and eval folders. */
  readonly files: readonly string[];
}

const BEST = ['model.ts', 'model.pt', 'model.json', 'model.ckpt'];
const FINAL = ['model_final.ts', 'model_final.pt', 'model_final.json', 'final_model.pt'];

/**
 * Lists what a training job left in its MMAR: best and final model, eval folder, event files.
 *
 * @throws {TrainingError} `TRAINING_RESULTS_MISSING` when the models folder holds no model at all.
 * @example
 * ```ts
 * const results = await collectResults(scheduler, training);
 * console.log(`best model: ${results.where}:${results.bestModel}`);
 * ```
 */
export async function collectResults(scheduler: Scheduler, training: TrainingJob, options: CallOptions = {}): Promise<TrainingResults> {
  const files = jobFiles(scheduler.session);
  const models = await files.list(training.modelsDir, options);
  const evals = await files.list(training.evalDir, options);
  const named = (names: readonly string[]): string | undefined => {
    for (const name of names) {
      const found = models.find((p) => p.endsWith(`/${name}`));
      if (found) return found;
    }
    return undefined;
  };
  const bestModel = named(BEST);
  const finalModel = named(FINAL);
  if (!bestModel && !finalModel) {
    throw new TrainingError('TRAINING_RESULTS_MISSING', `job ${training.job.id} left no model in ${training.modelsDir} on ${files.where}`, {
      details: { jobId: training.job.id, modelsDir: training.modelsDir, where: files.where, files: models.slice(0, 50) },
    });
  }
  return {
    where: files.where,
    ...(bestModel ? { bestModel } : finalModel ? { bestModel: finalModel } : {}),
    ...(finalModel ? { finalModel } : {}),
    evalDir: training.evalDir,
    eventFiles: [...models, ...evals].filter((p) => /events\.out\.tfevents|train_stats/.test(p)),
    files: [...models, ...evals],
  };
}
