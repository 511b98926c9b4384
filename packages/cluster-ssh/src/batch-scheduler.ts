import { randomBytes } from 'node:crypto';
import type { CallOptions } from '@medaas/core';
import type { BatchAdapter } from './batch-adapter.js';
import { ClusterSshError } from './errors.js';
import { tail, type ExecResult } from './exec.js';
import type { BuiltinSchedulerKind, Job, JobStatus, SchedulerKind } from './job.js';
import { validateJobId } from './job-id.js';
import { renderJobScript, validateJobSpec, type JobSpec } from './job-script.js';
import { localRunner, type CommandRunner } from './runner.js';
import {
  fileSafe,
  jobUmask,
  maxBytesOf,
  watchJobStatus,
  type ReadOutputOptions,
  type Scheduler,
  type SchedulerOptions,
  type WatchOptions,
} from './scheduler-interface.js';
import type { SshSession } from './session.js';
import { sh, type CommandInput } from './shell.js';

/** Where job output files go by default, relative to the login directory. */
const DEFAULT_JOBS_DIR = '.medaas/jobs';

const BUILTIN: ReadonlySet<SchedulerKind> = new Set<BuiltinSchedulerKind>(['slurm', 'pbs', 'local']);

/**
 * A {@link Scheduler} for a batch system described by a {@link BatchAdapter}, its commands run through
 * `session` (or on this machine without one). This is how the built-in Slurm and PBS schedulers are made,
 * and how one for LSF or HTCondor is made outside the SDK.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for an adapter without `kind`, or without `jobId` for a
 *   kind that is not built in.
 * @example
 * ```ts
 * // lsfAdapter: a BatchAdapter for bsub, bjobs and bkill (the cluster guide has one in full).
 * const lsf = createBatchScheduler(lsfAdapter, session);
 * const job = await lsf.submit({ name: 'train', partition: 'normal', walltimeSec: 3600, script: 'python train.py' });
 * for await (const status of lsf.watch(job)) console.log(status.state);
 * await using aiaa = await startAiaaServerJob(lsf, { server: { command } });
 * ```
 */
export function createBatchScheduler(adapter: BatchAdapter, session?: SshSession, options: SchedulerOptions = {}): Scheduler {
  if (typeof adapter?.kind !== 'string' || adapter.kind === '')
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a batch adapter needs a kind (its scheduler name)');
  if (adapter.jobId === undefined && !BUILTIN.has(adapter.kind)) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `the batch adapter ${JSON.stringify(adapter.kind)} needs a jobId form`, {
      details: { kind: adapter.kind },
    });
  }
  const runner: CommandRunner = session
    ? { where: `${session.username}@${session.host}:${session.port}`, run: (command, execOptions) => session.exec(command, execOptions) }
    : localRunner();
  return new BatchScheduler(adapter, runner, session, options);
}

/** The output path of a job given by a caller, checked before it reaches a command line. */
function outputPathOf(job: Job): string {
  const path = (job as Partial<Job> | null)?.outputPath;
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a job needs the outputPath its scheduler returned', {
      details: { outputPath: typeof path },
    });
  }
  return path;
}

const UNKNOWN_JOB = /invalid job id|unknown job/i;

class BatchScheduler implements Scheduler {
  readonly kind: SchedulerKind;
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

  /** The id of a job or id given by a caller, checked against the scheduler's form before any command sees it. */
  #idOf(job: Job | string): string {
    const id = typeof job === 'string' ? job : (job as Partial<Job> | null)?.id;
    const form = this.#adapter.jobId;
    return form ? validateJobId(this.kind, id, form) : validateJobId(this.kind as BuiltinSchedulerKind, id);
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
    const result = await this.#run(sh`umask ${jobUmask(spec)} && ${prepare} && ${argv}`, { ...options, stdin: script });
    let id: string | undefined;
    try {
      if (result.exitCode === 0) id = this.#adapter.parseSubmit(result.stdout);
    } catch {
      id = undefined;
    }
    if (id === undefined) {
      throw new ClusterSshError(
        'SCHED_SUBMIT_FAILED',
        `${this.kind} refused the job ${JSON.stringify(spec.name)}: ${tail(result.stderr || result.stdout) || `exit ${String(result.exitCode)}`}`,
        {
          details: {
            scheduler: this.kind,
            name: spec.name,
            partition: spec.partition,
            exitCode: result.exitCode,
            stderr: tail(result.stderr, 2000),
            where: this.#runner.where,
          },
        },
      );
    }
    return { id, name: spec.name, scheduler: this.kind, outputPath };
  }

  async #run(command: CommandInput, options: CallOptions & { stdin?: string }): Promise<ExecResult> {
    return this.#runner.run(command, options);
  }

  async status(job: Job | string, options: CallOptions = {}): Promise<JobStatus> {
    const id = this.#idOf(job);
    const result = await this.#run(this.#adapter.statusArgv(id), options);
    const status = this.#adapter.parseStatus(id, result);
    if (status) return status;
    const unknown = this.#adapter.unknownJob ? this.#adapter.unknownJob(result) : UNKNOWN_JOB.test(result.stderr);
    if (result.exitCode !== 0 && !unknown) {
      throw new ClusterSshError(
        'SCHED_STATUS_FAILED',
        `cannot read the status of ${this.kind} job ${id}: ${tail(result.stderr) || `exit ${String(result.exitCode)}`}`,
        {
          details: { id, exitCode: result.exitCode, stderr: tail(result.stderr, 2000) },
        },
      );
    }
    throw new ClusterSshError('SCHED_JOB_UNKNOWN', `${this.kind} does not know job ${id} (never submitted, or finished long ago)`, {
      details: { id },
    });
  }

  async cancel(job: Job | string, options: CallOptions = {}): Promise<void> {
    const id = this.#idOf(job);
    const result = await this.#run(this.#adapter.cancelArgv(id), options);
    if (result.exitCode === 0 || this.#adapter.alreadyEnded(result)) return;
    throw new ClusterSshError(
      'SCHED_CANCEL_FAILED',
      `cannot cancel ${this.kind} job ${id}: ${tail(result.stderr) || `exit ${String(result.exitCode)}`}`,
      {
        details: { id, exitCode: result.exitCode, stderr: tail(result.stderr, 2000) },
      },
    );
  }

  watch(job: Job | string, options: WatchOptions = {}): AsyncIterableIterator<JobStatus> {
    return watchJobStatus((callOptions) => this.status(job, callOptions), options);
  }

  async readOutput(job: Job, options: ReadOutputOptions = {}): Promise<string> {
    const max = maxBytesOf(options);
    const path = outputPathOf(job);
    const result = await this.#run(sh`test -f ${path} && tail -c ${max} -- ${path}`, options);
    return result.exitCode === 0 ? result.stdout : '';
  }
}
