import { ClusterSshError } from './errors.js';
import type { SchedulerKind } from './scheduler.js';

/**
 * The job id forms each scheduler gives out. An id reaches `scancel`, `squeue`, `qdel` and `qstat` as an
 * argument, so one that is not in its scheduler's form (above all one that starts with `-`, which the tool
 * would read as an option: `scancel -n<name>` cancels jobs by name) is refused before any command runs.
 */
const FORMS: Readonly<Record<SchedulerKind, { readonly pattern: RegExp; readonly shape: string }>> = {
  // 1234, an array task 1234_7, a heterogeneous job component 1234+1.
  slurm: { pattern: /^[0-9]{1,20}(?:_[0-9]{1,10}|\+[0-9]{1,10})?$/, shape: 'digits, optionally _N (array task) or +N (heterogeneous component)' },
  // 1234, 1234.server, an array job 1234[].server or one of its sub-jobs 1234[7].server.domain.
  pbs: { pattern: /^[0-9]{1,20}(?:\[[0-9]{0,10}\])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*$/, shape: '1234, 1234.server, 1234[].server or 1234[7].server' },
  // What the local scheduler of this process numbers its jobs: local-<pid>-<n>.
  local: { pattern: /^local-[0-9]{1,10}-[0-9]{1,10}$/, shape: 'local-<pid>-<n>' },
};

/**
 * Checks that a job id has its scheduler's form and returns it: Slurm `1234`, `1234_7` or `1234+1`; PBS
 * `1234`, `1234.server`, `1234[].server` or `1234[7].server`; local `local-<pid>-<n>`. Every scheduler
 * calls it before an id reaches a command line.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_JOB_ID` for anything else (an id starting with `-` above all).
 * @example
 * ```ts
 * validateJobId('slurm', '4242_3'); // '4242_3'
 * validateJobId('slurm', '-nvictim'); // throws SCHED_INVALID_JOB_ID
 * ```
 */
export function validateJobId(kind: SchedulerKind, id: unknown): string {
  const form = FORMS[kind];
  if (typeof id === 'string' && id.length <= 200 && form.pattern.test(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id) : String(id);
  throw new ClusterSshError('SCHED_INVALID_JOB_ID', `${shown} is not a ${kind} job id (expected ${form.shape})`, {
    details: { scheduler: kind, id: typeof id === 'string' ? id.slice(0, 200) : typeof id },
  });
}
