import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConnectSshOptions } from '../../src/index.js';

const servicesDir = fileURLToPath(new URL('../../../../scripts/services/', import.meta.url));

/** Facts about a running test sshd, as scripts/services/sshd.sh prints them. */
export interface SshdInfo {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly home: string;
  readonly kbd: boolean;
  readonly keyPath: string;
  readonly passKeyPath: string;
  readonly passphrase: string;
  readonly password: string;
  readonly hostFingerprint: string;
  readonly hostPublicKey: string;
  readonly pid: number;
}

/** Facts about the running single-node Slurm. */
export interface SlurmInfo {
  readonly partition: string;
  readonly node: string;
  readonly pbsBinDir: string;
}

function runScript(script: string, args: readonly string[]): string {
  // No try/catch: a service that cannot start must fail the suite loudly, never skip it.
  const out = execFileSync('bash', [`${servicesDir}${script}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 280_000 });
  return out.trim().split('\n').pop() ?? '';
}

/** Starts (or reuses) an sshd instance on 127.0.0.1; `without` lists commands its sessions' PATH lacks. */
export function startSshd(options: { name?: string; port?: number; kbd?: boolean; without?: string } = {}): SshdInfo {
  const args = ['start', '--name', options.name ?? 'main', '--port', String(options.port ?? 2222)];
  if (options.kbd) args.push('--kbd');
  if (options.without) args.push('--without', options.without);
  return JSON.parse(runScript('sshd.sh', args)) as SshdInfo;
}

/** Stops an sshd instance; with `sessions`, its open connections die too (a crash, as clients see it). */
export function stopSshd(name: string, options: { sessions?: boolean } = {}): void {
  runScript('sshd.sh', ['stop', '--name', name, ...(options.sessions ? ['--sessions'] : [])]);
}

/** Starts (or reuses) munge, slurmctld and slurmd, and installs the PBS stand-ins. */
export function startSlurm(): SlurmInfo {
  return JSON.parse(runScript('slurm.sh', ['start'])) as SlurmInfo;
}

/** Connect options for the test user with the unencrypted key and the pinned host key. */
export function sshOptions(info: SshdInfo, extra: Partial<ConnectSshOptions> = {}): ConnectSshOptions {
  return {
    host: info.host,
    port: info.port,
    username: info.user,
    auth: { type: 'key', privateKeyFile: info.keyPath },
    hostKey: { fingerprint: info.hostFingerprint },
    ...extra,
  };
}

/** Runs a command as root on this machine (to inspect what the test user's session did). */
export function hostShell(command: string): string {
  return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
}
