/** The schedulers built into the SDK, as {@link createScheduler} names them. `local` runs jobs as processes on this machine. */
export type BuiltinSchedulerKind = 'slurm' | 'pbs' | 'local';

/**
 * The name of a scheduler: one of the built-in kinds, or any other name a scheduler of your own gives
 * itself (e.g. `'lsf'`, `'htcondor'`). Code that treats schedulers alike reads it only for messages and
 * for the few differences it knows about (multi-node training needs Slurm, for instance).
 */
// `string & {}` keeps the built-in names suggested by editors while accepting any other name.
export type SchedulerKind = BuiltinSchedulerKind | (string & {});

/** A job's state, the same for every scheduler; the scheduler's own word is kept in `rawState`. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

/** A submitted job. */
export interface Job {
  readonly id: string;
  readonly name: string;
  /** The `kind` of the scheduler that submitted it. */
  readonly scheduler: SchedulerKind;
  /** The absolute path of the job's output file (stdout and stderr), where the job runs. */
  readonly outputPath: string;
}

/** One observation of a job. */
export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  /** The scheduler's own state, e.g. `PENDING`, `R`, `F`. */
  readonly rawState: string;
  /** Whether the job has ended (succeeded, failed, cancelled or timed out): `isTerminal(state)`. */
  readonly terminal: boolean;
  /** The job script's exit status, once known. */
  readonly exitCode?: number;
  /** The node the job runs on, as the login node can reach it. */
  readonly node?: string;
  /** The scheduler's reason or comment (why it waits, how it ended). */
  readonly reason?: string;
}

const TERMINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled', 'timed-out']);

/**
 * Whether a state is final: succeeded, failed, cancelled or timed out.
 *
 * @example
 * ```ts
 * isTerminal('timed-out'); // true
 * ```
 */
export function isTerminal(state: JobState): boolean {
  return TERMINAL.has(state);
}
