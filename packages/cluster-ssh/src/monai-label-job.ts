import { ClusterSshError } from './errors.js';
import {
  startAiaaServerJob,
  type AiaaServerCommand,
  type AiaaServerJob,
  type AiaaServerJobOptions,
  type ServerListen,
} from './aiaa-job.js';
import type { Scheduler } from './scheduler-interface.js';

/** How a MONAI Label server is started: `monailabel start_server --app ... --studies ... --host ... --port {port}`. */
export interface MonaiLabelServerCommand {
  /** The app folder on the cluster (e.g. a copy of `radiology` or `monaibundle`). */
  readonly app: string;
  /**
   * The datastore on the cluster: a folder (the project the SDK uploads validated pairs to) or a DICOMweb URL.
   */
  readonly studies: string;
  /** The address the server binds on its node. Default `0.0.0.0` (MONAI Label's own default): the login node's tunnel reaches the node by name. */
  readonly host?: string;
  /** `--conf KEY VALUE` pairs, e.g. `{ models: 'deepedit' }`. */
  readonly conf?: Readonly<Record<string, string>>;
  /** The command that is `monailabel` (e.g. `['python', '-m', 'monailabel.main']`, or a test server with the same command line). Default `['monailabel']`. */
  readonly executable?: readonly string[];
  /** Run it in a Singularity/Apptainer image (e.g. `projectmonai/monailabel` pulled as a `.sif`). */
  readonly container?: AiaaServerCommand['container'];
}

/**
 * The argument vector of `monailabel start_server`, with `{port}` where the job's port goes, or, with
 * `listen: 'socket'`, `--uds {socket}` (uvicorn's Unix-socket option) instead of `--host`/`--port`.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_SPEC` for an empty app or studies, or a conf key that is not a word.
 * @example
 * ```ts
 * monaiLabelCommand({ app: '/apps/radiology', studies: '/project/spleen/datastore', conf: { models: 'deepedit' } });
 * // ['monailabel', 'start_server', '--app', '/apps/radiology', '--studies', '/project/spleen/datastore',
 * //  '--host', '0.0.0.0', '--port', '{port}', '--conf', 'models', 'deepedit']
 * ```
 */
export function monaiLabelCommand(server: MonaiLabelServerCommand, options: { readonly listen?: ServerListen } = {}): string[] {
  for (const [field, value] of [
    ['app', server.app],
    ['studies', server.studies],
  ] as const) {
    if (typeof value !== 'string' || value === '')
      throw new ClusterSshError('SCHED_INVALID_SPEC', `a MONAI Label server needs --${field}`, { details: { field } });
  }
  const executable = server.executable ?? ['monailabel'];
  if (executable.length === 0)
    throw new ClusterSshError('SCHED_INVALID_SPEC', 'the MONAI Label executable is empty', { details: { field: 'executable' } });
  const conf = Object.entries(server.conf ?? {}).flatMap(([key, value]) => {
    if (!/^[A-Za-z_][\w.-]*$/.test(key))
      throw new ClusterSshError('SCHED_INVALID_SPEC', `a --conf key must be a word, got ${JSON.stringify(key)}`, {
        details: { field: 'conf' },
      });
    return ['--conf', key, value];
  });
  const where = options.listen === 'socket' ? ['--uds', '{socket}'] : ['--host', server.host ?? '0.0.0.0', '--port', '{port}'];
  return [...executable, 'start_server', '--app', server.app, '--studies', server.studies, ...where, ...conf];
}

/** Options of {@link startMonaiLabelServerJob}: the job's as for an AIAA server, the server's as `monailabel start_server` takes them. */
export type MonaiLabelServerJobOptions = Omit<AiaaServerJobOptions, 'server' | 'protocol'> & { readonly server: MonaiLabelServerCommand };

/**
 * Starts a MONAI Label server as a batch job: `monailabel start_server` with the app and the datastore
 * folder (in a container when given), waits until `/info/` answers, and tunnels to it. With
 * `listen: 'socket'` it listens on a Unix socket only its owner can open (`--uds`), reached over SSH to
 * its node (see `startAiaaServerJob`). The datastore is the
 * cluster folder validated pairs go to; training runs inside the server (`/train/`) or as a job of its own.
 *
 * @throws {ClusterSshError} as {@link startAiaaServerJob}, and `SCHED_INVALID_SPEC` for a bad command.
 * @example
 * ```ts
 * await using ml = await startMonaiLabelServerJob(createScheduler('slurm', session), {
 *   job: { partition: 'gpu', gpus: 1, walltimeSec: 8 * 3600 },
 *   server: { app: '/shared/apps/radiology', studies: '/project/spleen/datastore', conf: { models: 'deepedit' } },
 * });
 * const client = createMonaiLabelClient({ baseUrl: ml.url });
 * ```
 */
export function startMonaiLabelServerJob(scheduler: Scheduler, options: MonaiLabelServerJobOptions): Promise<AiaaServerJob> {
  const { server, ...rest } = options;
  const command: AiaaServerCommand = {
    command: monaiLabelCommand(server, options.listen ? { listen: options.listen } : {}),
    ...(server.container ? { container: server.container } : {}),
  };
  return startAiaaServerJob(scheduler, {
    ...rest,
    server: command,
    protocol: 'monai-label',
    job: { name: 'medaas-monai-label', ...rest.job },
  });
}
