import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSsh,
  createScheduler,
  quoteShell,
  renderAiaaServerScript,
  sh,
  startAiaaServerJob,
  startMonaiLabelServerJob,
  type AiaaServerJob,
  type SshSession,
} from '../src/index.js';
import { hostShell, neighbourOptions, sshOptions, startNeighbour, startSlurm, startSshd, type SshdInfo } from './helpers/services.js';

// Server jobs that only their owner can reach: the server listens on a Unix socket in a folder of mode
// 0700 on its node, and the SDK reaches it over SSH to the node (here the one Slurm node, whose sshd is the
// test sshd), through a streamlocal channel. Nothing on the node listens on a TCP port.
let server: string;
let session: SshSession;
let neighbour: SshSession;
let sshd: SshdInfo;

beforeAll(async () => {
  startSlurm();
  sshd = startSshd();
  startNeighbour();
  session = await connectSsh(sshOptions(sshd));
  neighbour = await connectSsh(neighbourOptions(sshd));
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
  await neighbour?.close();
  await session?.close();
});

/**
 * What the neighbour (another user of the cluster, in the owner's group, with its own SSH login and its own
 * Slurm jobs) can do to a running server job: connect to its socket from a login shell and from a job of its
 * own on the same node, read the job's output and an uploaded project file, cancel the job.
 */
async function neighbourTries(job: AiaaServerJob, uploaded: string): Promise<Record<string, string>> {
  const socket = job.remote.socket ?? '';
  const connectProbe = `import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect(${JSON.stringify(socket)})\n    print('connected')\nexcept OSError as e:\n    print(type(e).__name__)`;
  const run = async (argv: string[]): Promise<string> => {
    const result = await neighbour.exec(argv);
    return `${result.stdout}${result.stderr}`.trim();
  };
  const slurm = createScheduler('slurm', neighbour);
  const own = await slurm.submit({ name: 'neighbour-probe', script: `python3 -c ${quoteShell(connectProbe)}`, walltimeSec: 120 });
  let state = await slurm.status(own);
  for (let i = 0; i < 150 && !state.terminal; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    state = await slurm.status(own);
  }
  return {
    socketFromLogin: await run(['python3', '-c', connectProbe]),
    socketFromOwnJob: (await slurm.readOutput(own)).trim(),
    jobOutput: await run(['sh', '-c', `cat ${JSON.stringify(job.job.outputPath)} >/dev/null 2>&1 && echo read || echo denied`]),
    uploadedFile: await run(['sh', '-c', `cat ${JSON.stringify(uploaded)} >/dev/null 2>&1 && echo read || echo denied`]),
    cancel: (await neighbour.exec(['scancel', job.job.id])).exitCode === 0 ? 'accepted' : 'refused',
  };
}

/** An uploaded project file of the owner's, as a viewer uploads validated pairs. */
async function uploadProjectFile(dir: string): Promise<string> {
  const local = join(mkdtempSync(join(tmpdir(), 'medaas-owner-upload-')), 'case_001.nii.gz');
  (await import('node:fs')).writeFileSync(local, 'anonymised image bytes');
  const remote = `${dir}/imagesTr/case_001.nii.gz`;
  await session.upload(local, remote);
  return remote;
}

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
  return hostShell(
    `runuser -u nobody -- python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('${socket}'); print('connected')" 2>&1 || true`,
  ).trim();
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
    expect(() => renderAiaaServerScript({ command: ['start_aas.sh', '--port', '{port}'] }, { listen: 'socket' })).toThrowError(
      expect.objectContaining({ code: 'SCHED_INVALID_SPEC' }),
    );
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
      const project = `${sshd.home}/medaas-owner-project-${process.pid}`;
      const uploaded = await uploadProjectFile(project);
      expect(await neighbourTries(aiaa, uploaded)).toEqual({
        socketFromLogin: 'PermissionError',
        socketFromOwnJob: 'PermissionError',
        jobOutput: 'denied',
        uploadedFile: 'denied',
        cancel: 'refused',
      });
      // The job is still running and the owner's viewer works as before.
      expect((await slurm.status(aiaa.job)).state).toBe('running');
      expect((await fetch(`${aiaa.url}/v1/models`)).status).toBe(200);
      await session.exec(sh`rm -rf -- ${project}`);
    } finally {
      await aiaa.close();
    }
    // The job was cancelled and its folder, socket included, is gone.
    for (let i = 0; i < 50 && hostShell(`test -e ${socket.slice(0, socket.lastIndexOf('/'))} && echo yes || true`).trim() === 'yes'; i += 1)
      await new Promise((r) => setTimeout(r, 200));
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
      const uploaded = await uploadProjectFile(`${base}/datastore`);
      expect(await neighbourTries(ml, uploaded)).toEqual({
        socketFromLogin: 'PermissionError',
        socketFromOwnJob: 'PermissionError',
        jobOutput: 'denied',
        uploadedFile: 'denied',
        cancel: 'refused',
      });
      expect((await fetch(`${ml.url}/info/`)).status).toBe(200);
    } finally {
      await ml.close();
      hostShell(`rm -rf ${base}`);
    }
  });

  it('the hole it closes: on a TCP port (listen: port) the neighbour reaches the server and lists its models', async () => {
    const slurm = createScheduler('slurm', session);
    const open = await startAiaaServerJob(slurm, {
      server: { command: ['node', server, '--protocol', 'aiaa', '--port', '{port}'] },
      listen: 'port',
      job: { walltimeSec: 600, cpus: 1 },
      timeoutMs: 120_000,
    });
    try {
      const probe = await neighbour.exec([
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `http://127.0.0.1:${open.remote.port}/v1/models`,
      ]);
      expect(probe.stdout).toBe('200');
    } finally {
      await open.close();
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
    for (let i = 0; i < 50 && hostShell(`squeue -h -n medaas-owner-unreachable -o %T`).trim() !== ''; i += 1)
      await new Promise((r) => setTimeout(r, 200));
    expect(hostShell(`squeue -h -n medaas-owner-unreachable -o %T`).trim()).toBe('');
  });
});
