import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConnectSshOptions } from '@medaas/cluster-ssh';

const servicesDir = fileURLToPath(new URL('../../../../scripts/services/', import.meta.url));

/** Facts about the running test sshd, as scripts/services/sshd.sh prints them. */
export interface SshdInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly home: string;
  readonly keyPath: string;
  readonly hostFingerprint: string;
}

function runScript(script: string, args: readonly string[]): string {
  // No try/catch: a service that cannot start must fail the suite loudly, never skip it.
  const out = execFileSync('bash', [`${servicesDir}${script}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 280_000 });
  return out.trim().split('\n').pop() ?? '';
}

/** Starts (or reuses) the shared sshd on 127.0.0.1:2222. */
export function startSshd(): SshdInfo {
  return JSON.parse(runScript('sshd.sh', ['start', '--name', 'main', '--port', '2222'])) as SshdInfo;
}

/** Starts (or reuses) munge, slurmctld and slurmd. */
export function startSlurm(): { readonly partition: string; readonly node: string } {
  return JSON.parse(runScript('slurm.sh', ['start'])) as { partition: string; node: string };
}

/** Connect options for the test user with its key and the pinned host key. */
export function sshOptions(info: SshdInfo): ConnectSshOptions {
  return { host: info.host, port: info.port, username: info.user, auth: { type: 'key', privateKeyFile: info.keyPath }, hostKey: { fingerprint: info.hostFingerprint } };
}
