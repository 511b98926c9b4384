import { join } from 'node:path';
import {
  connectSsh,
  createScheduler,
  startAiaaServerJob,
  startMonaiLabelServerJob,
  type AiaaServerJob,
  type Scheduler,
  type SshSession,
} from '@medaas/cluster-ssh';
import type { ProgressCallback } from '@medaas/core';
import type { ClusterConfig, DemoProtocol } from '../config.js';
import { standaloneScript } from '../standalone.js';

/** The cluster side of the workflow: an SSH session (none for the local scheduler) and its scheduler. */
export interface ClusterHandle {
  readonly scheduler: Scheduler;
  readonly session: SshSession | undefined;
  close(): Promise<void>;
}

/** Connects to the login node (keys, known_hosts, jump hosts) and opens its scheduler; or the local scheduler. */
export async function openCluster(config: ClusterConfig): Promise<ClusterHandle> {
  if (config.kind === 'local') return { scheduler: createScheduler('local'), session: undefined, close: async () => {} };
  // No key named: the ssh-agent (SSH_AUTH_SOCK), as ssh itself would use it.
  const auth = config.privateKeyPath ? ({ type: 'key', privateKeyFile: config.privateKeyPath } as const) : ({ type: 'agent' } as const);
  const hostKey = { knownHostsFile: config.knownHostsPath };
  // A chain of jump hosts nests from the first to the last: each connects through the previous one.
  let via: Parameters<typeof connectSsh>[0] | undefined;
  for (const hop of config.via) via = { ...hop, auth, hostKey, ...(via ? { via } : {}) };
  const session = await connectSsh({ ...config.ssh, auth, hostKey, ...(via ? { via } : {}) });
  const scheduler = createScheduler(config.kind, session, config.schedulerBinDir ? { binDir: config.schedulerBinDir } : {});
  return { scheduler, session, close: () => session.close() };
}

/** Where a MONAI Label server job keeps its datastore (the project's validated images and labels) and its app. */
export function monaiLabelFolders(config: ClusterConfig, workDir: string): { readonly studies: string; readonly app: string } {
  const root = config.kind === 'local' ? workDir : config.remoteProject;
  return { studies: join(root, 'datastore'), app: join(root, '.medaas', 'monai-label-app') };
}

/**
 * Step 2: the annotation server as a batch job, exactly as on a cluster: submit, wait until it runs and says
 * where it listens, tunnel to it (on a cluster), check it answers (`/v1/models` for AIAA, `/info/` for MONAI
 * Label). The embedded default runs the testkit server, GPU-free, as one standalone file; on a cluster the
 * file is first uploaded to the project folder (only Node.js is needed there), unless `serverCommand` names
 * another server (a Clara or MONAI Label container, say). A MONAI Label server starts as `monailabel
 * start_server` does, its datastore in the project folder.
 */
export async function startServerStep(
  cluster: ClusterHandle,
  config: ClusterConfig,
  protocol: DemoProtocol,
  workDir: string,
  onProgress: ProgressCallback,
): Promise<AiaaServerJob> {
  const job = { walltimeSec: 3600, ...(config.kind === 'local' ? {} : config.job) };
  if (config.kind !== 'local' && config.serverCommand) {
    return startAiaaServerJob(cluster.scheduler, {
      protocol,
      server: { command: config.serverCommand },
      ...(config.node ? { node: config.node } : {}),
      job: { name: `medaas-${protocol}-server`, ...job },
      timeoutMs: 120_000,
      onProgress,
    });
  }
  let script = await standaloneScript('server', workDir);
  if (config.kind !== 'local' && cluster.session) {
    const remote = `${config.remoteProject}/.medaas/server.mjs`;
    await cluster.session.upload(script, remote);
    script = remote;
  }
  const node = config.kind === 'local' ? process.execPath : 'node';
  // The embedded server listens on a Unix socket in a folder only the job's owner can open, reached over
  // SSH to its node: nobody else on the cluster can connect to it (docs/adr/0302-owner-only-server-jobs.md).
  const listen = config.kind === 'local' ? 'socket' : (config.serverListen ?? 'socket');
  const access = config.kind === 'local' || listen === 'port' ? {} : { node: config.node ?? {} };
  if (protocol === 'monai-label') {
    const { studies, app } = monaiLabelFolders(config, workDir);
    // On a port, the testkit listens on loopback only: on this single-node cluster the tunnel reaches it there.
    return startMonaiLabelServerJob(cluster.scheduler, {
      server: { executable: [node, script], app, studies, host: '127.0.0.1' },
      listen,
      ...access,
      job: { name: 'medaas-monai-label-server', ...job },
      timeoutMs: 120_000,
      onProgress,
    });
  }
  return startAiaaServerJob(cluster.scheduler, {
    server: { command: [node, script, '--protocol', 'aiaa', ...(listen === 'socket' ? ['--socket', '{socket}'] : ['--port', '{port}'])] },
    listen,
    ...access,
    job: { name: 'medaas-aiaa-server', ...job },
    timeoutMs: 120_000,
    onProgress,
  });
}
