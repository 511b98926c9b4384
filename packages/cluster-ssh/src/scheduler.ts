import { createBatchScheduler } from './batch-scheduler.js';
import { ClusterSshError } from './errors.js';
import type { BuiltinSchedulerKind } from './job.js';
import { createLocalScheduler } from './local-scheduler.js';
import { pbsAdapter } from './pbs.js';
import type { Scheduler, SchedulerOptions } from './scheduler-interface.js';
import type { SshSession } from './session.js';
import { slurmAdapter } from './slurm.js';

/**
 * Creates one of the built-in schedulers. Slurm and PBS run their commands through `session` (or on this
 * machine without one); `local` runs each job as a process here, the embedded default when no cluster is
 * at hand. For another batch system, see {@link createBatchScheduler} and the {@link Scheduler} interface.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for an unknown kind.
 * @example
 * ```ts
 * const slurm = createScheduler('slurm', session);
 * const job = await slurm.submit({ name: 'train', partition: 'gpu', gpus: 1, walltimeSec: 3600, script: 'python train.py' });
 * for await (const status of slurm.watch(job)) console.log(status.state);
 * ```
 */
export function createScheduler(kind: BuiltinSchedulerKind, session?: SshSession, options: SchedulerOptions = {}): Scheduler {
  if (kind === 'local') return createLocalScheduler(options);
  if (kind !== 'slurm' && kind !== 'pbs')
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `unknown scheduler ${String(kind)}`, { details: { kind } });
  return createBatchScheduler(kind === 'slurm' ? slurmAdapter(options.binDir) : pbsAdapter(options.binDir), session, options);
}
