import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, type Job, type JobStatus, type Scheduler, type SshSession } from '../src/index.js';
import { parseSbatchOutput, parseSqueueLine, slurmState } from '../src/slurm.js';
import { hostShell, sshOptions, startSlurm, startSshd } from './helpers/services.js';

let session: SshSession;
let slurm: Scheduler;
const submitted: Job[] = [];

beforeAll(async () => {
  startSlurm();
  session = await connectSsh(sshOptions(startSshd()));
  slurm = createScheduler('slurm', session);
});
afterAll(async () => {
  for (const job of submitted) await slurm.cancel(job).catch(() => undefined);
  await session?.close();
});

async function collect(iterator: AsyncIterable<JobStatus>): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  for await (const status of iterator) seen.push(status);
  return seen;
}

describe('Slurm parsers (recorded output)', () => {
  it('parses squeue lines and sbatch output', () => {
    expect(parseSqueueLine('1|RUNNING|localhost|None|0|')).toEqual({
      id: '1',
      state: 'running',
      rawState: 'RUNNING',
      terminal: false,
      node: 'localhost',
    });
    expect(parseSqueueLine('7|FAILED|localhost|NonZeroExitCode|768|')).toMatchObject({
      state: 'failed',
      exitCode: 3,
      reason: 'NonZeroExitCode',
    });
    expect(parseSqueueLine('8|CANCELLED|gpu[01-02]|None|15|')).toMatchObject({ state: 'cancelled', exitCode: 143, node: 'gpu[01-02]' });
    expect(parseSqueueLine('9|PENDING||Resources|0|')).toMatchObject({ state: 'queued', reason: 'Resources', terminal: false });
    expect(parseSqueueLine('10|TIMEOUT|n1|TimeLimit|0|').state).toBe('timed-out');
    expect(slurmState('CANCELLED by 1001')).toBe('cancelled');
    expect(parseSbatchOutput('sbatch: warning: x\n1234;cluster\n')).toBe('1234');
    expect(() => parseSbatchOutput('sbatch: error: Batch job submission failed')).toThrow(/no job id/);
  });

  it('rejects hostile squeue lines with SCHED_PARSE_FAILED only (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (line) => {
        try {
          const status = parseSqueueLine(line);
          expect(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out']).toContain(status.state);
        } catch (error) {
          expect(isMedaasError(error, 'SCHED_PARSE_FAILED')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Slurm over SSH (real sbatch, squeue, scancel)', () => {
  it('turns every field of a job spec into the directive Slurm records (scontrol show job)', async () => {
    const job = await slurm.submit({
      name: 'medaas-directives',
      partition: 'debug',
      account: 'radiology-ai',
      walltimeSec: 780, // Slurm keeps whole minutes (754 s would show as 00:13:00)
      nodes: 1,
      cpus: 2,
      memoryMb: 123,
      workdir: '/tmp',
      script: 'sleep 30',
    });
    submitted.push(job);
    const shown = (await session.exec(['scontrol', 'show', 'job', job.id], { check: true })).stdout;
    const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(shown)?.[1];
    expect({
      JobName: field('JobName'),
      Partition: field('Partition'),
      Account: field('Account'),
      TimeLimit: field('TimeLimit'),
      NumNodes: field('NumNodes'),
      CPUs: field('CPUs/Task'),
      MinMemoryNode: field('MinMemoryNode'),
      WorkDir: field('WorkDir'),
    }).toEqual({
      JobName: 'medaas-directives',
      Partition: 'debug',
      Account: 'radiology-ai',
      TimeLimit: '00:13:00',
      NumNodes: expect.stringMatching(/^1(-1)?$/),
      CPUs: '2',
      MinMemoryNode: '123M',
      WorkDir: '/tmp',
    });
    await slurm.cancel(job);
  });

  it('submits, watches queued/running to succeeded, and keeps hostile names and values inert', async () => {
    const name = `it's $(touch pwned-slurm) "x"; y`;
    const job = await slurm.submit({
      name,
      walltimeSec: 300,
      cpus: 1,
      memoryMb: 100,
      env: { MEDAAS_MSG: `a'b $(touch pwned-env) \`id\`` },
      script: 'echo "msg=$MEDAAS_MSG"; echo "job=$SLURM_JOB_NAME"; sleep 1',
    });
    submitted.push(job);
    expect(job.outputPath.startsWith('/home/medaas/.medaas/jobs/')).toBe(true);
    const states = await collect(slurm.watch(job, { intervalMs: 200 }));
    expect(states.at(-1)).toMatchObject({ state: 'succeeded', exitCode: 0, terminal: true });
    expect(states.map((s) => s.state)).toContain('running');
    const output = await slurm.readOutput(job);
    expect(output).toContain(`msg=a'b $(touch pwned-env) \`id\``);
    expect(output).toContain(`job=${name}`);
    expect(hostShell('ls -A /home/medaas')).not.toContain('pwned');
  });

  it('reports a failing script as failed with its exit code, and a refused job as SCHED_SUBMIT_FAILED', async () => {
    const job = await slurm.submit({ name: 'fails', script: 'echo going down >&2; exit 3' });
    submitted.push(job);
    const last = (await collect(slurm.watch(job, { intervalMs: 200 }))).at(-1);
    expect(last).toMatchObject({ state: 'failed', exitCode: 3, rawState: 'FAILED' });
    expect(await slurm.readOutput(job)).toContain('going down');

    const refused = await slurm.submit({ name: 'nowhere', partition: 'no-such-partition', script: 'true' }).catch((e: unknown) => e);
    expect(isMedaasError(refused, 'SCHED_SUBMIT_FAILED')).toBe(true);
    expect((refused as Error).message).toMatch(/partition/i);
    const invalid = await slurm.submit({ name: 'bad\nname', script: 'true' }).catch((e: unknown) => e);
    expect(isMedaasError(invalid, 'SCHED_INVALID_SPEC')).toBe(true);
    const unknown = await slurm.status('99999999').catch((e: unknown) => e);
    expect(isMedaasError(unknown, 'SCHED_JOB_UNKNOWN')).toBe(true);
  });

  it('cancels a running job; the watch ends with cancelled and no process is left', async () => {
    const job = await slurm.submit({ name: 'sleeper', script: 'sleep 300.5' });
    submitted.push(job);
    for await (const status of slurm.watch(job, { intervalMs: 200 })) if (status.state === 'running') break;
    await slurm.cancel(job);
    const last = (await collect(slurm.watch(job, { intervalMs: 200 }))).at(-1);
    expect(last?.state).toBe('cancelled');
    await slurm.cancel(job);
    expect(hostShell('ps -u medaas -o args= || true')).not.toContain('sleep 300.5');
  });

  it('stops watching when aborted, with the abort reason', async () => {
    const job = await slurm.submit({ name: 'watched', script: 'sleep 300.25' });
    submitted.push(job);
    const controller = new AbortController();
    const reason = new Error('closed the viewer');
    const iterator = slurm.watch(job, { intervalMs: 200, signal: controller.signal });
    await iterator.next();
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
    await slurm.cancel(job);
  });
});
