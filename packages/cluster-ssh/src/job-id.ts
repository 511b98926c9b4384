import { ClusterSshError } from './errors.js';
import type { BuiltinSchedulerKind, SchedulerKind } from './job.js';

/** The form of a scheduler's job ids, for {@link validateJobId}. */
export interface JobIdForm {
  /** Matches every id the scheduler gives out, and nothing that a command could read as an option. */
  readonly pattern: RegExp;
  /** The form in words, for the error message: `'digits, optionally [N] for an array element'`. */
  readonly shape: string;
}

/**
 * The job id forms each scheduler gives out. An id reaches `scancel`, `squeue`, `qdel` and `qstat` as an
 * argument, so one that is not in its scheduler's form (above all one that starts with `-`, which the tool
 * would read as an option: `scancel -n<name>` cancels jobs by name) is refused before any command runs.
 */
const FORMS: Readonly<Record<BuiltinSchedulerKind, JobIdForm>> = {
  // 1234, an array task 1234_7, a heterogeneous job component 1234+1.
  slurm: {
    pattern: /^[0-9]{1,20}(?:_[0-9]{1,10}|\+[0-9]{1,10})?$/,
    shape: 'digits, optionally _N (array task) or +N (heterogeneous component)',
  },
  // 1234, 1234.server, an array job 1234[].server or one of its sub-jobs 1234[7].server.domain.
  pbs: {
    pattern: /^[0-9]{1,20}(?:\[[0-9]{0,10}\])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*$/,
    shape: '1234, 1234.server, 1234[].server or 1234[7].server',
  },
  // What the local scheduler of this process numbers its jobs: local-<pid>-<n>.
  local: { pattern: /^local-[0-9]{1,10}-[0-9]{1,10}$/, shape: 'local-<pid>-<n>' },
};

/**
 * Checks that a job id has its scheduler's form and returns it: Slurm `1234`, `1234_7` or `1234+1`; PBS
 * `1234`, `1234.server`, `1234[].server` or `1234[7].server`; local `local-<pid>-<n>`; for a scheduler of
 * your own, the `form` you give. Every scheduler calls it before an id reaches a command line.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_JOB_ID` for anything else (an id starting with `-` above all);
 *   `SSH_INVALID_ARGUMENT` for a kind that is not built in, given without a form.
 * @example
 * ```ts
 * validateJobId('slurm', '4242_3'); // '4242_3'
 * validateJobId('slurm', '-nvictim'); // throws SCHED_INVALID_JOB_ID
 * validateJobId('lsf', '311', { pattern: /^\d+$/, shape: 'digits' }); // '311'
 * ```
 */
export function validateJobId(kind: BuiltinSchedulerKind, id: unknown): string;
export function validateJobId(kind: SchedulerKind, id: unknown, form: JobIdForm): string;
export function validateJobId(kind: SchedulerKind, id: unknown, form?: JobIdForm): string {
  const known = form ?? (Object.hasOwn(FORMS, kind) ? FORMS[kind as BuiltinSchedulerKind] : undefined);
  if (!known || !(known.pattern instanceof RegExp)) {
    throw new ClusterSshError(
      'SSH_INVALID_ARGUMENT',
      `the job id form of scheduler ${JSON.stringify(String(kind))} is not known; pass one`,
      { details: { scheduler: String(kind) } },
    );
  }
  // A global or sticky pattern would carry lastIndex from one id to the next.
  known.pattern.lastIndex = 0;
  if (typeof id === 'string' && id.length <= 200 && known.pattern.test(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id) : String(id);
  throw new ClusterSshError('SCHED_INVALID_JOB_ID', `${shown} is not a ${kind} job id (expected ${known.shape})`, {
    details: { scheduler: kind, id: typeof id === 'string' ? id.slice(0, 200) : typeof id },
  });
}
