import { connectSsh, createScheduler, startAiaaServerJob, type AiaaServerJob, type Scheduler, type SshSession } from '@medaas/cluster-ssh';
import type { ProgressCallback } from '@medaas/core';
import type { ClusterConfig } from '../config.js';
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
  const auth = { type: 'key', privateKeyFile: config.privateKeyPath } as const;
  const hostKey = { knownHostsFile: config.knownHostsPath };
  // A chain of jump hosts nests from the first to the last: each connects through the previous one.
  let via: Parameters<typeof connectSsh>[0] | undefined;
  for (const hop of config.via) via = { ...hop, auth, hostKey, ...(via ? { via } : {}) };
  const session = await connectSsh({ ...config.ssh, auth, hostKey, ...(via ? { via } : {}) });
  const scheduler = createScheduler(config.kind, session, config.schedulerBinDir ? { binDir: config.schedulerBinDir } : {});
  return { scheduler, session, close: () => session.close() };
}

/**
 * Step 2: the AIAA server as a batch job, exactly as on a cluster: submit, wait until it runs and says where
 * it listens, tunnel to it (on a cluster), check it answers. The embedded default runs this demo's testkit
 * server, a GPU-free AIAA server with classical algorithms, as one standalone file; on a cluster the file is
 * first uploaded to the project folder (only Node.js is needed there), unless `serverCommand` names another
 * server (a Clara container, say).
 */
export async function startServerStep(
  cluster: ClusterHandle,
  config: ClusterConfig,
  workDir: string,
  onProgress: ProgressCallback,
): Promise<AiaaServerJob> {
  let command: readonly string[];
  if (config.kind !== 'local' && config.serverCommand) command = config.serverCommand;
  else {
    let script = await standaloneScript('aiaa-server', workDir);
    if (config.kind !== 'local' && cluster.session) {
      const remote = `${config.remoteProject}/.medaas/aiaa-server.mjs`;
      await cluster.session.upload(script, remote);
      script = remote;
    }
    command = [config.kind === 'local' ? process.execPath : 'node', script, '--port', '{port}'];
  }
  return startAiaaServerJob(cluster.scheduler, {
    server: { command },
    job: { name: 'medaas-aiaa-server', walltimeSec: 3600, ...(config.kind === 'local' ? {} : config.job) },
    timeoutMs: 120_000,
    onProgress,
  });
}
