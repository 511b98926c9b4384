import type { ExecResult } from './exec.js';
import type { JobStatus, SchedulerKind } from './job.js';
import type { JobIdForm } from './job-id.js';
import type { JobSpec } from './job-script.js';

/**
 * How one batch system is driven: its commands and the parsers of their output. The built-in Slurm and
 * PBS schedulers are adapters; give one of your own (LSF's `bsub`/`bjobs`/`bkill`, HTCondor's
 * `condor_submit`/`condor_q`/`condor_rm`) to {@link createBatchScheduler} and it gets what they have:
 * spec validation, the job script with modules, env and umask, a private output file, id checks, typed
 * errors, `watch` and `readOutput`.
 *
 * Every argv is quoted word by word before it runs (no element can inject shell syntax), and the ids
 * given to `statusArgv` and `cancelArgv` have been checked against {@link BatchAdapter.jobId} first.
 *
 * @example
 * ```ts
 * const lsfAdapter: BatchAdapter = {
 *   kind: 'lsf',
 *   jobId: { pattern: /^\d{1,20}$/, shape: 'digits' },
 *   submitArgv: (spec, outputPath) => ['bsub', '-J', spec.name, '-o', outputPath],
 *   parseSubmit: (stdout) => parseBsub(stdout),           // 'Job <311> is submitted ...' -> '311'
 *   statusArgv: (id) => ['bjobs', '-noheader', '-o', "jobid stat exec_host exit_code delimiter='|'", id],
 *   parseStatus: (id, result) => parseBjobs(id, result), // '311|RUN|gpu07|-' -> { state: 'running', node: 'gpu07', ... }
 *   cancelArgv: (id) => ['bkill', id],
 *   alreadyEnded: (result) => /already finished/.test(result.stderr),
 * };
 * ```
 */
export interface BatchAdapter {
  /** The scheduler's name, as `Scheduler.kind` and `Job.scheduler` report it. */
  readonly kind: SchedulerKind;
  /** The form of this system's job ids. Omit it only for the built-in kinds, which have theirs. */
  readonly jobId?: JobIdForm;
  /**
   * The submit command. It runs with the spec's umask (default 077) and the rendered job script on its
   * standard input; `outputPath` is the absolute path the job's stdout and stderr must go to.
   */
  submitArgv(spec: JobSpec, outputPath: string): string[];
  /** The job id from the submit command's standard output; throws when there is none (the job was refused). */
  parseSubmit(stdout: string): string;
  /** The command that reports one job's status. */
  statusArgv(id: string): string[];
  /** The status from that command's result, or undefined when the scheduler does not know the job. */
  parseStatus(id: string, result: ExecResult): JobStatus | undefined;
  /**
   * Whether a failed status command means the job is unknown (`SCHED_JOB_UNKNOWN`) rather than that the
   * command failed (`SCHED_STATUS_FAILED`). Default: stderr says "invalid job id" or "unknown job".
   */
  unknownJob?(result: ExecResult): boolean;
  /** The command that cancels one job. */
  cancelArgv(id: string): string[];
  /** Whether a failed cancel only means the job had already ended. */
  alreadyEnded(result: ExecResult): boolean;
}
