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
  /** The second cluster user every instance accepts (see {@link startNeighbour}). */
  readonly neighbour: { readonly user: string; readonly home: string; readonly keyPath: string };
}

/** The neighbour: another user of the same test cluster, logged in through the same sshd, with its own Slurm jobs. */
export interface NeighbourInfo {
  readonly user: string;
  /** Its home, mode 0700. */
  readonly home: string;
  /** Its own unencrypted ed25519 key (only the neighbour's authorized_keys holds it). */
  readonly keyPath: string;
  /** The sshd instance both users log in to, with the owner's (the test user's) facts. */
  readonly sshd: SshdInfo;
}

/** A small tmpfs owned by the test user, as scripts/services/tmpfs.sh prints it. */
export interface TmpfsInfo {
  readonly name: string;
  /** The mount point, mode 0700, owned by `owner`. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly owner: string;
}

/** Facts about the running single-node Slurm. */
export interface SlurmInfo {
  readonly partition: string;
  readonly node: string;
  readonly pbsBinDir: string;
}

function runScript(script: string, args: readonly string[]): string {
  // No try/catch: a service that cannot start must fail the suite loudly, never skip it.
  const out = execFileSync('bash', [`${servicesDir}${script}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 280_000,
  });
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

/**
 * Starts (or reuses) an sshd instance and returns the neighbour's facts: a second Unix user
 * (`medaas-neighbour`, in the test user's group, as cluster users often share one) with its own key, which
 * every instance accepts, and which may submit its own Slurm jobs.
 */
export function startNeighbour(options: { name?: string; port?: number; kbd?: boolean; without?: string } = {}): NeighbourInfo {
  const sshd = startSshd(options);
  return { ...sshd.neighbour, sshd };
}

/** Connect options for the neighbour: its own key, the same pinned host key as the test user's. */
export function neighbourOptions(info: NeighbourInfo | SshdInfo, extra: Partial<ConnectSshOptions> = {}): ConnectSshOptions {
  const sshd = 'sshd' in info ? info.sshd : info;
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.neighbour.user,
    auth: { type: 'key', privateKeyFile: sshd.neighbour.keyPath },
    hostKey: { fingerprint: sshd.hostFingerprint },
    ...extra,
  };
}

/** Mounts (or reuses) a tmpfs of `size` (mount(8) units, default `2m`) owned by `owner` (default the test user). */
export function startTmpfs(options: { name?: string; size?: string; owner?: string } = {}): TmpfsInfo {
  const args = ['start', '--name', options.name ?? 'disk', '--size', options.size ?? '2m'];
  if (options.owner) args.push('--owner', options.owner);
  return JSON.parse(runScript('tmpfs.sh', args)) as TmpfsInfo;
}

/** Unmounts a tmpfs that {@link startTmpfs} mounted and removes its mount point. */
export function stopTmpfs(name: string): void {
  runScript('tmpfs.sh', ['stop', '--name', name]);
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
