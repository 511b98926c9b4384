import { sleep, type CallOptions } from '@medaas/core';
import { ClusterSshError } from './errors.js';
import type { Job, JobState, JobStatus, SchedulerKind } from './job.js';
import type { JobSpec } from './job-script.js';
import type { SshSession } from './session.js';

/** Options of `scheduler.watch`. */
export interface WatchOptions {
  /** Time between polls. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Ends the iteration; the pending `next()` rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `scheduler.readOutput`. */
export interface ReadOutputOptions extends CallOptions {
  /** The last bytes to return. Default 64 KiB. */
  readonly maxBytes?: number;
}

/**
 * One interface over Slurm, PBS, local processes and any batch system you implement it for. Everything
 * that runs jobs (`startAiaaServerJob`, `startMonaiLabelServerJob`, `@medaas/training`'s `submitTraining`)
 * takes a `Scheduler`, so a scheduler of your own works wherever the built-in ones do. The quickest way to
 * one for a system that takes a script on standard input (LSF's `bsub`, for instance) is a
 * {@link BatchAdapter} given to {@link createBatchScheduler}; anything else can implement this interface
 * directly, with {@link watchJobStatus} for `watch`.
 *
 * What callers rely on: `submit` validates the spec (`validateJobSpec`) and rejects a refused job with
 * `SCHED_SUBMIT_FAILED`; ids given to `status` and `cancel` are checked before they reach a command line
 * (`SCHED_INVALID_JOB_ID`); a job the scheduler does not know is `SCHED_JOB_UNKNOWN`; `cancel` of an ended
 * job is not an error; every method rejects with `signal.reason` when aborted.
 */
export interface Scheduler {
  /** The scheduler's name: `'slurm'`, `'pbs'`, `'local'` or your own (`'lsf'`). */
  readonly kind: SchedulerKind;
  /**
   * The session commands run through; undefined for schedulers driven on this machine. Server jobs tunnel
   * through it to the job's node; without one they are reached on this machine directly.
   */
  readonly session: SshSession | undefined;
  /** Submits a job. A refused job (bad partition...) rejects with `SCHED_SUBMIT_FAILED`. */
  submit(spec: JobSpec, options?: CallOptions): Promise<Job>;
  /** The job's current status; `SCHED_JOB_UNKNOWN` for a job the scheduler does not know. */
  status(job: Job | string, options?: CallOptions): Promise<JobStatus>;
  /** Cancels a job; cancelling a job that already ended is not an error. */
  cancel(job: Job | string, options?: CallOptions): Promise<void>;
  /** Yields the job's status whenever its state changes, ending after a terminal state. */
  watch(job: Job | string, options?: WatchOptions): AsyncIterableIterator<JobStatus>;
  /** The tail of the job's output file ('' while it does not exist). */
  readOutput(job: Job, options?: ReadOutputOptions): Promise<string>;
}

/** Options of {@link createScheduler} and {@link createBatchScheduler}. */
export interface SchedulerOptions {
  /**
   * Folder of the scheduler's commands when they are not on the login shell's PATH (e.g. `/opt/pbs/bin`).
   * Read by {@link createScheduler}; an adapter of your own names its commands itself.
   */
  readonly binDir?: string;
  /** Default folder of job output files. Default `~/.medaas/jobs` (remote) or the OS temp folder (local). */
  readonly jobsDir?: string;
}

/**
 * The octal `umask` argument a job runs with: its spec's, by default 077 (the job's files private to
 * its owner). A scheduler of your own applies it to the job, as the built-in ones do.
 *
 * @example
 * ```ts
 * jobUmask({ name: 'x', script: 'true', umask: 0o027 }); // '027'
 * ```
 */
export function jobUmask(spec: JobSpec): string {
  return (spec.umask ?? 0o077).toString(8).padStart(3, '0');
}

/** Checks `maxBytes` of {@link ReadOutputOptions} and returns it (default 64 KiB). */
export function maxBytesOf(options: ReadOutputOptions): number {
  const max = options.maxBytes ?? 64 * 1024;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `maxBytes must be a positive integer, not ${String(max)}`, {
      details: { maxBytes: max },
    });
  return max;
}

/** A job-name fragment safe in a file name. */
export function fileSafe(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 40) || 'job'
  );
}

/**
 * The polling loop behind every scheduler's `watch`: asks `status` every `intervalMs`, yields each change
 * of state and ends after a terminal one. An abort rejects the pending `next()` with `signal.reason`.
 *
 * @throws Whatever `status` throws, and `signal.reason` on abort.
 * @example
 * ```ts
 * watch(job, options) {
 *   return watchJobStatus((callOptions) => this.status(job, callOptions), options);
 * }
 * ```
 */
export async function* watchJobStatus(
  status: (options: CallOptions) => Promise<JobStatus>,
  options: WatchOptions = {},
): AsyncGenerator<JobStatus> {
  const { signal } = options;
  let last: JobState | undefined;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const current = await status({ signal });
    if (current.state !== last) {
      last = current.state;
      yield current;
    }
    if (current.terminal) return;
    await sleep(options.intervalMs ?? 1000, { signal });
  }
}
