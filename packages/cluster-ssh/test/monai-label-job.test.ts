import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSsh,
  createScheduler,
  monaiLabelCommand,
  renderAiaaServerScript,
  startMonaiLabelServerJob,
  type SshSession,
} from '../src/index.js';
import { hostShell, sshOptions, startSlurm, startSshd, type SshdInfo } from './helpers/services.js';

// The MONAI Label server of these jobs is the testkit's, started with `monailabel start_server`'s own
// command line (its server-cli), bundled into one file the SSH test user's jobs run with plain node.
let server: string;
let session: SshSession;
let sshd: SshdInfo;

beforeAll(async () => {
  startSlurm();
  sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'medaas-ml-job-'));
  chmodSync(dir, 0o755);
  server = join(dir, 'monailabel.mjs');
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

describe('monailabel start_server as a job', () => {
  it('renders the command line: app, studies, host, the {port} placeholder, --conf pairs, quoted in the job script', () => {
    const argv = monaiLabelCommand({
      app: '/shared/apps/radiology',
      studies: "/project/ana's spleen/datastore",
      conf: { models: 'deepedit', use_pretrained_model: 'false' },
    });
    expect(argv).toEqual([
      'monailabel',
      'start_server',
      '--app',
      '/shared/apps/radiology',
      '--studies',
      "/project/ana's spleen/datastore",
      '--host',
      '0.0.0.0',
      '--port',
      '{port}',
      '--conf',
      'models',
      'deepedit',
      '--conf',
      'use_pretrained_model',
      'false',
    ]);
    const script = renderAiaaServerScript({ command: argv, container: { image: '/shared/monailabel.sif' } });
    expect(script).toContain(
      `singularity exec --nv /shared/monailabel.sif monailabel start_server --app /shared/apps/radiology --studies '/project/ana'\\''s spleen/datastore' --host 0.0.0.0 --port "$MEDAAS_PORT" --conf models deepedit`,
    );
    expect(() => monaiLabelCommand({ app: '', studies: '/x' })).toThrow(/needs --app/);
    expect(() => monaiLabelCommand({ app: '/a', studies: '/x', conf: { 'a b': '1' } })).toThrow(/must be a word/);
  });

  it('on the real Slurm over SSH: ready when /info/ answers, tunnelled, and the datastore is the cluster folder the images land in', async () => {
    const slurm = createScheduler('slurm', session);
    const studies = `${sshd.home}/medaas-ml-${process.pid}/datastore`;
    const phases: string[] = [];
    const ml = await startMonaiLabelServerJob(slurm, {
      job: { walltimeSec: 600, cpus: 1 },
      server: { executable: ['node', server], app: `${sshd.home}/medaas-ml-${process.pid}/app`, studies, host: '127.0.0.1' },
      timeoutMs: 120_000,
      onProgress: ({ phase }) => phases.push(phase),
    });
    try {
      expect(ml.protocol).toBe('monai-label');
      expect(ml.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(phases).toEqual(['queued', 'starting', 'tunnel', 'ready']);
      const info = (await (await fetch(`${ml.url}/info/`)).json()) as { models: Record<string, unknown> };
      expect(Object.keys(info.models)).toContain('deepedit');
      const form = new FormData();
      form.append('params', '{}');
      form.append('file', new Blob([new Uint8Array([0x1f, 0x8b, 8, 0])]), 'image.nii.gz');
      const put = await fetch(`${ml.url}/datastore/image?image=case_from_hospital`, { method: 'PUT', body: form });
      expect(await put.json()).toEqual({ image: 'case_from_hospital' });
      // The file is in the cluster folder, written by the job's user.
      expect(hostShell(`stat -c '%U %n' ${studies}/case_from_hospital.nii.gz`).trim()).toBe(
        `${sshd.user} ${studies}/case_from_hospital.nii.gz`,
      );
    } finally {
      await ml.close();
      hostShell(`rm -rf ${sshd.home}/medaas-ml-${process.pid}`);
    }
    let state = (await slurm.status(ml.job)).state;
    for (let i = 0; i < 50 && state === 'running'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await slurm.status(ml.job)).state;
    }
    expect(state).toBe('cancelled');
  });

  it('a server that cannot start (the job user cannot write its datastore folder) fails with the job state and its output', async () => {
    const error = await startMonaiLabelServerJob(createScheduler('slurm', session), {
      server: { executable: ['node', server], app: '/root/medaas-no-app', studies: '/root/medaas-no-studies', host: '127.0.0.1' },
      timeoutMs: 90_000,
    }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SCHED_JOB_ENDED')).toBe(true);
    expect(String((error as { details: Record<string, unknown> }).details['outputTail'])).toMatch(/medaas-no-studies|ENOENT|EACCES/);
  });
});
