import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, sh, type Job, type JobSpec, type Scheduler, type SshSession } from '../src/index.js';
import { hostShell, sshOptions, startSlurm, startSshd } from './helpers/services.js';

// Jobs run with umask 077 unless their spec says otherwise: their output file and every file they write are
// their owner's only, whatever the umask of the process or login that submitted them.
let session: SshSession;
let slurm: Scheduler;
let pbs: Scheduler;
const submitted: Array<{ scheduler: Scheduler; job: Job }> = [];
const local = mkdtempSync(join(tmpdir(), 'medaas-umask-'));
const remote = `/tmp/medaas-umask-${process.pid}`;

beforeAll(async () => {
  const info = startSlurm();
  session = await connectSsh(sshOptions(startSshd()));
  slurm = createScheduler('slurm', session);
  pbs = createScheduler('pbs', session, { binDir: info.pbsBinDir });
  // A folder anyone may look into, so that the files' own modes are what protects them.
  await session.exec(sh`mkdir -p -m 755 -- ${remote}`, { check: true });
});
afterAll(async () => {
  for (const { scheduler, job } of submitted) await scheduler.cancel(job).catch(() => undefined);
  await session?.exec(sh`rm -rf -- ${remote}`).catch(() => undefined);
  await session?.close();
  rmSync(local, { recursive: true, force: true });
});

async function run(scheduler: Scheduler, spec: JobSpec): Promise<Job> {
  const job = await scheduler.submit(spec);
  submitted.push({ scheduler, job });
  let last;
  for await (const status of scheduler.watch(job, { intervalMs: 200 })) last = status;
  expect(last).toMatchObject({ state: 'succeeded' });
  return job;
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const remoteModes = (...paths: string[]): string[] =>
  hostShell(`stat -c '%a' ${paths.map((p) => JSON.stringify(p)).join(' ')}`)
    .trim()
    .split('\n');

describe('jobs write private files', () => {
  it("local: output and written files are 0600 although this process's umask is 022", async () => {
    const previous = process.umask(0o022);
    try {
      const scheduler = createScheduler('local', undefined, { jobsDir: join(local, 'jobs') });
      const written = join(local, 'result.txt');
      const job = await run(scheduler, { name: 'private', script: `echo out; echo result > ${written}; umask` });
      expect(await scheduler.readOutput(job)).toBe('out\n0077\n');
      expect([mode(job.outputPath), mode(written)]).toEqual(['600', '600']);

      const shared = join(local, 'shared.txt');
      const group = await run(scheduler, { name: 'group', umask: 0o027, script: `echo result > ${shared}` });
      expect([mode(group.outputPath), mode(shared)]).toEqual(['640', '640']);
    } finally {
      process.umask(previous);
    }
  });

  it('Slurm: 0600 by default; a spec umask of 027 gives 0640', async () => {
    const job = await run(slurm, {
      name: 'private',
      outputPath: `${remote}/private.out`,
      script: `echo out; echo x > ${remote}/private.txt`,
    });
    expect(remoteModes(job.outputPath, `${remote}/private.txt`)).toEqual(['600', '600']);
    const group = await run(slurm, {
      name: 'group',
      umask: 0o027,
      outputPath: `${remote}/group.out`,
      script: `echo x > ${remote}/group.txt`,
    });
    expect(remoteModes(group.outputPath, `${remote}/group.txt`)).toEqual(['640', '640']);
  });

  it("PBS (stand-ins): 0600 by default (PBS's own default umask is 077); -W umask=027 for a spec umask of 027", async () => {
    const job = await run(pbs, { name: 'private', outputPath: `${remote}/pbs-private.out`, script: `echo x > ${remote}/pbs-private.txt` });
    expect(remoteModes(job.outputPath, `${remote}/pbs-private.txt`)).toEqual(['600', '600']);
    const group = await run(pbs, {
      name: 'group',
      umask: 0o027,
      outputPath: `${remote}/pbs-group.out`,
      script: `echo x > ${remote}/pbs-group.txt`,
    });
    expect(remoteModes(group.outputPath, `${remote}/pbs-group.txt`)).toEqual(['640', '640']);
  });

  it('refuses a bad umask and module names that would be read as options', async () => {
    for (const spec of [
      { name: 'x', script: 'true', umask: 0o1000 },
      { name: 'x', script: 'true', umask: -1 },
      { name: 'x', script: 'true', umask: 1.5 },
      { name: 'x', script: 'true', modules: ['--force'] },
    ] as JobSpec[]) {
      const error = await slurm.submit(spec).catch((e: unknown) => e);
      expect(isMedaasError(error, 'SCHED_INVALID_SPEC'), JSON.stringify(spec)).toBe(true);
    }
  });

  it('local: a job that cannot start is SCHED_SUBMIT_FAILED and leaves no script behind', async () => {
    const jobsDir = join(local, 'failing-jobs');
    const scheduler = createScheduler('local', undefined, { jobsDir });
    const error = await scheduler
      .submit({ name: 'nowhere', outputPath: join(local, 'no-such-folder', 'x.out'), script: 'true' })
      .catch((e: unknown) => e);
    expect(isMedaasError(error, 'SCHED_SUBMIT_FAILED'), String(error)).toBe(true);
    expect((error as Error).message).toContain('no-such-folder');
    expect(existsSync(jobsDir) ? readdirSync(jobsDir) : []).toEqual([]);
  });
});
