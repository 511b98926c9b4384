import { randomBytes } from 'node:crypto';
import { sleep, type CallOptions } from '@medaas/core';
import { ClusterSshError } from './errors.js';
import { tail, type ExecResult } from './exec.js';
import { renderJobScript, validateJobSpec, type JobSpec } from './job-script.js';
import { validateJobId } from './job-id.js';
import { createLocalScheduler } from './local-scheduler.js';
import { pbsAdapter } from './pbs.js';
import { localRunner, type CommandRunner } from './runner.js';
import type { SshSession } from './session.js';
import { sh, type CommandInput } from './shell.js';
import { slurmAdapter } from './slurm.js';

/** The schedulers the SDK drives. `local` runs jobs as processes on this machine. */
export type SchedulerKind = 'slurm' | 'pbs' | 'local';

/** A job's state, the same for every scheduler; the scheduler's own word is kept in `rawState`. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

/** A submitted job. */
export interface Job {
  readonly id: string;
  readonly name: string;
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
  /** Whether the job has ended (succeeded, failed, cancelled or timed out). */
  readonly terminal: boolean;
  /** The job script's exit status, once known. */
  readonly exitCode?: number;
  /** The node the job runs on, as the login node can reach it. */
  readonly node?: string;
  /** The scheduler's reason or comment (why it waits, how it ended). */
  readonly reason?: string;
}

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

/** One interface over Slurm, PBS and local processes. */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** The session commands run through; undefined for local jobs or schedulers driven on this machine. */
  readonly session: SshSession | undefined;
  /** Submits a job. A refused job (bad partition...) rejects with `SCHED_SUBMIT_FAILED`. */
  submit(spec: JobSpec, options?: CallOptions): Promise<Job>;
  status(job: Job | string, options?: CallOptions): Promise<JobStatus>;
  /** Cancels a job; cancelling a job that already ended is not an error. */
  cancel(job: Job | string, options?: CallOptions): Promise<void>;
  /** Yields the job's status whenever its state changes, ending after a terminal state. */
  watch(job: Job | string, options?: WatchOptions): AsyncIterableIterator<JobStatus>;
  /** The tail of the job's output file ('' while it does not exist). */
  readOutput(job: Job, options?: ReadOutputOptions): Promise<string>;
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** Folder of the scheduler's commands when they are not on the login shell's PATH (e.g. `/opt/pbs/bin`). */
  readonly binDir?: string;
  /** Default folder of job output files. Default `~/.medaas/jobs` (remote) or the OS temp folder (local). */
  readonly jobsDir?: string;
}

/**
 * How one batch system is driven: its commands and the parsers of their output. The ids given to
 * `statusArgv` and `cancelArgv` have been checked with {@link validateJobId} for this `kind`.
 */
export interface BatchAdapter {
  readonly kind: 'slurm' | 'pbs';
  /** The submit command; it runs with the spec's umask (default 077), its script on standard input. */
  submitArgv(spec: JobSpec, outputPath: string): string[];
  parseSubmit(stdout: string): string;
  statusArgv(id: string): string[];
  /** The status, or undefined when the scheduler does not know the job. */
  parseStatus(id: string, result: ExecResult): JobStatus | undefined;
  cancelArgv(id: string): string[];
  /** Whether a failed cancel only means the job had already ended. */
  alreadyEnded(result: ExecResult): boolean;
}

/** Where job output files go by default, relative to the login directory. */
const DEFAULT_JOBS_DIR = '.medaas/jobs';

const TERMINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled', 'timed-out']);

/**
 * Whether a state is final.
 *
 * @example
 * ```ts
 * isTerminal('timed-out'); // true
 * ```
 */
export function isTerminal(state: JobState): boolean {
  return TERMINAL.has(state);
}

/**
 * Creates a scheduler. Slurm and PBS run their commands through `session` (or on this machine without
 * one); `local` runs each job as a process here, the embedded default when no cluster is at hand.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for an unknown kind.
 * @example
 * ```ts
 * const slurm = createScheduler('slurm', session);
 * const job = await slurm.submit({ name: 'train', partition: 'gpu', gpus: 1, walltimeSec: 3600, script: 'python train.py' });
 * for await (const status of slurm.watch(job)) console.log(status.state);
 * ```
 */
export function createScheduler(kind: SchedulerKind, session?: SshSession, options: SchedulerOptions = {}): Scheduler {
  if (kind === 'local') return createLocalScheduler(options);
  if (kind !== 'slurm' && kind !== 'pbs') throw new ClusterSshError('SSH_INVALID_ARGUMENT', `unknown scheduler ${String(kind)}`, { details: { kind } });
  const runner: CommandRunner = session
    ? { where: `${session.username}@${session.host}:${session.port}`, run: (command, execOptions) => session.exec(command, execOptions) }
    : localRunner();
  const adapter = kind === 'slurm' ? slurmAdapter(options.binDir) : pbsAdapter(options.binDir);
  return new BatchScheduler(adapter, runner, session, options);
}

/**
 * The id of a job or id given by a caller, checked against the scheduler's form before any command sees it.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_JOB_ID` for an id not in that form.
 * @example
 * ```ts
 * jobIdOf('slurm', job); // '4242'
 * ```
 */
export function jobIdOf(kind: SchedulerKind, job: Job | string): string {
  return validateJobId(kind, typeof job === 'string' ? job : (job as Partial<Job> | null)?.id);
}

/**
 * The octal `umask` argument for a job: its spec's, by default 077 (the job's files private to its owner).
 *
 * @example
 * ```ts
 * umaskOf({ name: 'x', script: 'true', umask: 0o027 }); // '027'
 * ```
 */
export function umaskOf(spec: JobSpec): string {
  return (spec.umask ?? 0o077).toString(8).padStart(3, '0');
}

/**
 * Checks `maxBytes` of {@link ReadOutputOptions} and returns it (default 64 KiB).
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for anything but a positive integer.
 * @example
 * ```ts
 * maxBytesOf({}); // 65536
 * ```
 */
export function maxBytesOf(options: ReadOutputOptions): number {
  const max = options.maxBytes ?? 64 * 1024;
  if (!Number.isSafeInteger(max) || max < 1) throw new ClusterSshError('SSH_INVALID_ARGUMENT', `maxBytes must be a positive integer, not ${String(max)}`, { details: { maxBytes: max } });
  return max;
}

/** The output path of a job given by a caller, checked before it reaches a command line. */
function outputPathOf(job: Job): string {
  const path = (job as Partial<Job> | null)?.outputPath;
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a job needs the outputPath its scheduler returned', { details: { outputPath: typeof path } });
  }
  return path;
}

/** A job-name fragment safe in a file name. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '').slice(0, 40) || 'job';
}

/** The shared status loop of every scheduler's `watch`. */
export async function* watchStatus(status: (options: CallOptions) => Promise<JobStatus>, options: WatchOptions = {}): AsyncGenerator<JobStatus> {
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

class BatchScheduler implements Scheduler {
  readonly kind: 'slurm' | 'pbs';
  readonly session: SshSession | undefined;
  readonly #adapter: BatchAdapter;
  readonly #runner: CommandRunner;
  readonly #options: SchedulerOptions;
  #home: Promise<string> | undefined;

  constructor(adapter: BatchAdapter, runner: CommandRunner, session: SshSession | undefined, options: SchedulerOptions) {
    this.kind = adapter.kind;
    this.#adapter = adapter;
    this.#runner = runner;
    this.session = session;
    this.#options = options;
  }

  #absolute(path: string, options: CallOptions): Promise<string> {
    if (path.startsWith('/')) return Promise.resolve(path);
    this.#home ??= this.#runner.run(sh`printf '%s' "$HOME"`, { signal: options.signal, check: true }).then((r) => r.stdout.trim());
    this.#home.catch(() => (this.#home = undefined));
    return this.#home.then((home) => `${home}/${path}`);
  }

  async submit(spec: JobSpec, options: CallOptions = {}): Promise<Job> {
    validateJobSpec(spec);
    const script = renderJobScript(spec);
    const fallback = `${this.#options.jobsDir ?? DEFAULT_JOBS_DIR}/${fileSafe(spec.name)}-${randomBytes(4).toString('hex')}.out`;
    const outputPath = await this.#absolute(spec.outputPath ?? fallback, options);
    const dir = outputPath.slice(0, outputPath.lastIndexOf('/')) || '/';
    const argv = this.#adapter.submitArgv(spec, outputPath);
    // The umask applies to the folders made here and, through sbatch (which hands the submitting umask to
    // the job), to the job's output file and everything the job writes: private to the owner by default.
    // The SDK's own jobs folder is made private even when an older version left it open.
    const own = spec.outputPath === undefined && this.#options.jobsDir === undefined;
    const prepare = own ? sh`mkdir -p -- ${dir} && chmod 700 -- ${dir}` : sh`mkdir -p -- ${dir}`;
    const result = await this.#run(sh`umask ${umaskOf(spec)} && ${prepare} && ${argv}`, { ...options, stdin: script });
    let id: string | undefined;
    try {
      if (result.exitCode === 0) id = this.#adapter.parseSubmit(result.stdout);
    } catch {
      id = undefined;
    }
    if (id === undefined) {
      throw new ClusterSshError('SCHED_SUBMIT_FAILED', `${this.kind} refused the job ${JSON.stringify(spec.name)}: ${tail(result.stderr || result.stdout) || `exit ${String(result.exitCode)}`}`, {
        details: { scheduler: this.kind, name: spec.name, partition: spec.partition, exitCode: result.exitCode, stderr: tail(result.stderr, 2000), where: this.#runner.where },
      });
    }
    return { id, name: spec.name, scheduler: this.kind, outputPath };
  }

  async #run(command: CommandInput, options: CallOptions & { stdin?: string }): Promise<ExecResult> {
    return this.#runner.run(command, options);
  }

  async status(job: Job | string, options: CallOptions = {}): Promise<JobStatus> {
    const id = jobIdOf(this.kind, job);
    const result = await this.#run(this.#adapter.statusArgv(id), options);
    const status = this.#adapter.parseStatus(id, result);
    if (status) return status;
    if (result.exitCode !== 0 && !/invalid job id|unknown job/i.test(result.stderr)) {
      throw new ClusterSshError('SCHED_STATUS_FAILED', `cannot read the status of ${this.kind} job ${id}: ${tail(result.stderr) || `exit ${String(result.exitCode)}`}`, {
        details: { id, exitCode: result.exitCode, stderr: tail(result.stderr, 2000) },
      });
    }
    throw new ClusterSshError('SCHED_JOB_UNKNOWN', `${this.kind} does not know job ${id} (never submitted, or finished long ago)`, { details: { id } });
  }

  async cancel(job: Job | string, options: CallOptions = {}): Promise<void> {
    const id = jobIdOf(this.kind, job);
    const result = await this.#run(this.#adapter.cancelArgv(id), options);
    if (result.exitCode === 0 || this.#adapter.alreadyEnded(result)) return;
    throw new ClusterSshError('SCHED_CANCEL_FAILED', `cannot cancel ${this.kind} job ${id}: ${tail(result.stderr) || `exit ${String(result.exitCode)}`}`, {
      details: { id, exitCode: result.exitCode, stderr: tail(result.stderr, 2000) },
    });
  }

  watch(job: Job | string, options: WatchOptions = {}): AsyncIterableIterator<JobStatus> {
    return watchStatus((callOptions) => this.status(job, callOptions), options);
  }

  async readOutput(job: Job, options: ReadOutputOptions = {}): Promise<string> {
    const max = maxBytesOf(options);
    const path = outputPathOf(job);
    const result = await this.#run(sh`test -f ${path} && tail -c ${max} -- ${path}`, options);
    return result.exitCode === 0 ? result.stdout : '';
  }
}
