import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, renderAiaaServerScript, startAiaaServerJob, startMonaiLabelServerJob, type AiaaServerJob, type SshSession } from '../src/index.js';
import { hostShell, sshOptions, startSlurm, startSshd, type SshdInfo } from './helpers/services.js';

// Server jobs that only their owner can reach: the server listens on a Unix socket in a folder of mode
// 0700 on its node, and the SDK reaches it over SSH to the node (here the one Slurm node, whose sshd is the
// test sshd), through a streamlocal channel. Nothing on the node listens on a TCP port.
let server: string;
let session: SshSession;
let sshd: SshdInfo;

beforeAll(async () => {
  startSlurm();
  sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'medaas-owner-'));
  chmodSync(dir, 0o755);
  server = join(dir, 'server.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../aiaa-testkit/src/server-cli.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@medaas/source'],
    logLevel: 'warning',
    outfile: server,
  });
  chmodSync(server, 0o644);
}, 120_000);
afterAll(async () => {
  await session?.close();
});

/** Who may do what to the socket, as root sees it: owner, mode of its folder, and the TCP ports of the server. */
function inspect(job: AiaaServerJob): { owner: string; folderMode: string; tcpPorts: string } {
  const socket = job.remote.socket ?? '';
  const folder = socket.slice(0, socket.lastIndexOf('/'));
  const [owner = '', folderMode = ''] = hostShell(`stat -c '%U' ${socket}; stat -c '%a' ${folder}`).trim().split('\n');
  // The server process of this job (node ... server.mjs ... the socket) and whatever TCP ports it listens on.
  const pid = hostShell(`pgrep -f -- ${JSON.stringify(socket)} | head -n 1`).trim();
  const tcpPorts = pid === '' ? 'no process' : hostShell(`ss -Hltnp 2>/dev/null | grep "pid=${pid}," || true`).trim();
  return { owner, folderMode, tcpPorts };
}

/** Another user of the node trying the socket directly. */
function strangerConnects(socket: string): string {
  return hostShell(`runuser -u nobody -- python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('${socket}'); print('connected')" 2>&1 || true`).trim();
}

const node = (): { host: string; port: number } => ({ host: '127.0.0.1', port: sshd.port });

describe('server jobs only their owner can reach', () => {
  it('renders a job that makes a private folder, serves on a socket in it, reports it, and removes it at the end', () => {
    const script = renderAiaaServerScript({ command: ['node', '/opt/server.mjs', '--socket', '{socket}'] });
    expect(script.split('\n')[0]).toBe('umask 077');
    expect(script).toContain('mktemp -d "${TMPDIR:-/tmp}/medaas-server.XXXXXXXX"');
    expect(script).toContain(`trap 'rm -rf -- "$medaas_dir"' EXIT`);
    expect(script).toContain('node /opt/server.mjs --socket "$MEDAAS_SOCKET"');
    expect(script).toContain('MEDAAS_AIAA_LISTENING_SOCKET $(hostname) $MEDAAS_SOCKET');
    expect(() => renderAiaaServerScript({ command: ['start_aas.sh', '--port', '{port}'] }, { listen: 'socket' })).toThrowError(expect.objectContaining({ code: 'SCHED_INVALID_SPEC' }));
  });

  it('AIAA on the real Slurm: served on a 0700 socket, no TCP port on the node, reached over SSH to the node; a stranger is refused', async () => {
    const slurm = createScheduler('slurm', session);
    const aiaa = await startAiaaServerJob(slurm, {
      server: { command: ['node', server, '--protocol', 'aiaa', '--socket', '{socket}'] },
      node: node(),
      job: { walltimeSec: 600, cpus: 1 },
      timeoutMs: 120_000,
    });
    let socket = '';
    try {
      socket = aiaa.remote.socket ?? '';
      expect(socket).toMatch(/^\/tmp\/medaas-server\.\w{8}\/server\.sock$/);
      expect(aiaa.remote.port).toBe(0);
      expect(aiaa.tunnel?.remoteSocket).toBe(socket);
      const models = (await (await fetch(`${aiaa.url}/v1/models`)).json()) as { name: string }[];
      expect(models.map((m) => m.name)).toContain('segmentation_threshold');
      expect(inspect(aiaa)).toEqual({ owner: sshd.user, folderMode: '700', tcpPorts: '' });
      expect(strangerConnects(socket)).toMatch(/PermissionError/);
    } finally {
      await aiaa.close();
    }
    // The job was cancelled and its folder, socket included, is gone.
    for (let i = 0; i < 50 && hostShell(`test -e ${socket.slice(0, socket.lastIndexOf('/'))} && echo yes || true`).trim() === 'yes'; i += 1) await new Promise((r) => setTimeout(r, 200));
    expect(hostShell(`test -e ${socket.slice(0, socket.lastIndexOf('/'))} && echo yes || echo gone`).trim()).toBe('gone');
  });

  it('MONAI Label on the real Slurm: start_server --uds on the private socket, the datastore written as the owner', async () => {
    const base = `${sshd.home}/medaas-owner-ml-${process.pid}`;
    const ml = await startMonaiLabelServerJob(createScheduler('slurm', session), {
      server: { executable: ['node', server], app: `${base}/app`, studies: `${base}/datastore` },
      listen: 'socket',
      node: node(),
      job: { walltimeSec: 600, cpus: 1 },
      timeoutMs: 120_000,
    });
    try {
      const info = (await (await fetch(`${ml.url}/info/`)).json()) as { models: Record<string, unknown> };
      expect(Object.keys(info.models)).toContain('deepedit');
      expect(inspect(ml)).toEqual({ owner: sshd.user, folderMode: '700', tcpPorts: '' });
      expect(strangerConnects(ml.remote.socket ?? '')).toMatch(/PermissionError/);
    } finally {
      await ml.close();
      hostShell(`rm -rf ${base}`);
    }
  });

  it('a node that cannot be logged in to is a typed error naming it, and the job is cancelled', async () => {
    const slurm = createScheduler('slurm', session);
    const error = await startAiaaServerJob(slurm, {
      server: { command: ['node', server, '--protocol', 'aiaa', '--socket', '{socket}'] },
      node: { host: '127.0.0.1', port: 1 },
      job: { walltimeSec: 600, cpus: 1, name: 'medaas-owner-unreachable' },
      timeoutMs: 120_000,
    }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SCHED_SERVER_UNREACHABLE')).toBe(true);
    expect((error as Error).message).toMatch(/cannot log in to the server's node 127\.0\.0\.1/);
    for (let i = 0; i < 50 && hostShell(`squeue -h -n medaas-owner-unreachable -o %T`).trim() !== ''; i += 1) await new Promise((r) => setTimeout(r, 200));
    expect(hostShell(`squeue -h -n medaas-owner-unreachable -o %T`).trim()).toBe('');
  });
});
