import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, renderAiaaServerScript, startAiaaServerJob, type SshSession } from '../src/index.js';
import { parseListening } from '../src/aiaa-job.js';
import { hostShell, sshOptions, startSlurm, startSshd } from './helpers/services.js';

// A stand-in AIAA server until @medaas/aiaa-testkit exists: answers /v1/models on $MEDAAS_PORT.
const SERVER = [
  'node',
  '-e',
  "require('http').createServer((q, r) => r.end(JSON.stringify({ path: q.url, job: process.env.SLURM_JOB_ID || 'local' }))).listen(+process.env.MEDAAS_PORT, '127.0.0.1')",
];

let session: SshSession;
beforeAll(async () => {
  startSlurm();
  session = await connectSsh(sshOptions(startSshd()));
});
afterAll(async () => {
  await session?.close();
});

describe('the AIAA job script', () => {
  it('renders the Clara container launch with quoted binds and the {port} placeholder', () => {
    const script = renderAiaaServerScript({
      container: {
        image: '/shared/clara 4.sif',
        runtime: 'apptainer',
        binds: [{ host: "/scratch/ana's", container: '/workspace', readOnly: true }],
      },
    });
    expect(script).toContain(
      `apptainer exec --nv -B '/scratch/ana'\\''s:/workspace:ro' '/shared/clara 4.sif' start_aas.sh --workspace /workspace/aiaa --port "$MEDAAS_PORT" &`,
    );
    expect(parseListening('x\nMEDAAS_AIAA_LISTENING gpu07:41234\n')).toEqual({ host: 'gpu07', port: 41234 });
    expect(parseListening('MEDAAS_AIAA_LISTENING gpu07:99999')).toBeUndefined();
  });
});

describe('startAiaaServerJob on the real Slurm over SSH', () => {
  it('submits, waits for RUNNING and the port, tunnels on 127.0.0.1, checks the server, and close() cancels', async () => {
    // README quick start.
    const slurm = createScheduler('slurm', session);
    const phases: string[] = [];
    const aiaa = await startAiaaServerJob(slurm, {
      job: { name: 'aiaa-server', walltimeSec: 600, cpus: 1 },
      server: { command: SERVER },
      timeoutMs: 90_000,
      onProgress: ({ phase }) => phases.push(phase),
    });
    expect(aiaa.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aiaa.remote.host).toBe('localhost');
    const answer = (await (await fetch(`${aiaa.url}/v1/models`)).json()) as { path: string; job: string };
    expect(answer).toEqual({ path: '/v1/models', job: aiaa.job.id });
    expect(phases).toEqual(['queued', 'starting', 'tunnel', 'ready']);
    expect((await slurm.status(aiaa.job)).state).toBe('running');
    expect(aiaa.timings.readyMs).toBeGreaterThanOrEqual(aiaa.timings.runningMs);

    await aiaa.close();
    await aiaa.close();
    expect(aiaa.tunnel?.activeConnections).toBe(0);
    await expect(fetch(`${aiaa.url}/v1/models`)).rejects.toThrow();
    let state = (await slurm.status(aiaa.job)).state;
    for (let i = 0; i < 50 && state === 'running'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await slurm.status(aiaa.job)).state;
    }
    expect(state).toBe('cancelled');
  });

  it('rejects with the job state and output tail when the server fails at once, and cancels nothing left behind', async () => {
    const slurm = createScheduler('slurm', session);
    const error = await startAiaaServerJob(slurm, {
      server: { command: ['sh', '-c', 'echo "model zoo missing: /workspace/aiaa" >&2; exit 4'] },
      timeoutMs: 90_000,
    }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SCHED_JOB_ENDED')).toBe(true);
    const details = (error as { details: Record<string, unknown> }).details;
    expect(details).toMatchObject({ state: 'failed', exitCode: 4 });
    expect(String(details['outputTail'])).toContain('model zoo missing');
  });

  it('passes a refused job through as SCHED_SUBMIT_FAILED', async () => {
    const error = await startAiaaServerJob(createScheduler('slurm', session), {
      job: { partition: 'gpu-nope' },
      server: { command: SERVER },
    }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SCHED_SUBMIT_FAILED')).toBe(true);
  });
});

describe('the local scheduler', () => {
  it('runs the server as a local process, reachable without a tunnel; close() stops its whole process group', async () => {
    const local = createScheduler('local');
    const aiaa = await startAiaaServerJob(local, { server: { command: SERVER }, timeoutMs: 60_000 });
    expect(aiaa.tunnel).toBeUndefined();
    expect(await (await fetch(`${aiaa.url}/v1/models`)).json()).toEqual({ path: '/v1/models', job: 'local' });
    await aiaa.close();
    expect((await local.status(aiaa.job)).state).toBe('cancelled');
    await expect(fetch(`${aiaa.url}/v1/models`)).rejects.toThrow();
  });

  it('normalises success, failure and walltime, and leaves no background process', async () => {
    const local = createScheduler('local');
    const ok = await local.submit({ name: 'ok', script: 'echo hello' });
    const fail = await local.submit({ name: 'fail', script: 'exit 5' });
    const slow = await local.submit({ name: 'slow', walltimeSec: 1, script: 'sleep 77.5 & sleep 77.25; wait' });
    const last = async (id: typeof ok): Promise<unknown> => {
      let final;
      for await (const status of local.watch(id, { intervalMs: 50 })) final = status;
      return final;
    };
    expect(await last(ok)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await local.readOutput(ok)).toBe('hello\n');
    expect(await last(fail)).toMatchObject({ state: 'failed', exitCode: 5 });
    expect(await last(slow)).toMatchObject({ state: 'timed-out', terminal: true });
    expect(hostShell('ps -eo args=')).not.toMatch(/sleep 77\.(5|25)/);
  });
});
