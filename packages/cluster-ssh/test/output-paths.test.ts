import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, sh, type Job, type JobStatus, type Scheduler, type SshSession } from '../src/index.js';
import { slurmOutputPattern } from '../src/slurm.js';
import { hostShell, sshOptions, startSlurm, startSshd } from './helpers/services.js';

// sbatch reads --output as a filename pattern: %j, %u, %x... are replaced, %% is a '%', and a backslash
// anywhere turns the replacements off (and escapes the character after it). An explicit output path must
// land exactly where the caller asked, whatever characters it has.
let session: SshSession;
let slurm: Scheduler;
let pbs: Scheduler;
const base = `/tmp/medaas-odd-paths-${process.pid}`;
const submitted: Array<{ scheduler: Scheduler; job: Job }> = [];

beforeAll(async () => {
  const info = startSlurm();
  session = await connectSsh(sshOptions(startSshd()));
  slurm = createScheduler('slurm', session);
  pbs = createScheduler('pbs', session, { binDir: info.pbsBinDir });
  await session.exec(sh`mkdir -p -- ${base}`, { check: true });
});
afterAll(async () => {
  for (const { scheduler, job } of submitted) await scheduler.cancel(job).catch(() => undefined);
  await session?.exec(sh`rm -rf -- ${base}`).catch(() => undefined);
  await session?.close();
});

async function finish(scheduler: Scheduler, job: Job): Promise<JobStatus | undefined> {
  let last: JobStatus | undefined;
  for await (const status of scheduler.watch(job, { intervalMs: 200 })) last = status;
  return last;
}

/** The names in a folder as root lists them (NUL-separated, so that any byte survives). */
const listed = (dir: string): string[] =>
  hostShell(`find ${JSON.stringify(dir)} -mindepth 1 -maxdepth 1 -printf '%f\\0'`)
    .split('\0')
    .filter(Boolean)
    .sort();

const ODD = [
  'out-%j.log',
  '100% done %% %u %x %N %4j.log',
  String.raw`back\slash.log`,
  String.raw`both \%j and %% \\.log`,
  String.raw`trailing\ `,
  String.raw`ends-with\\`,
  `quotes 'single' "double" $(touch pwned) \`id\` ; & | *.log`,
  'ünïcødé 日本 %A_%a.log',
];

describe('explicit output paths reach the job unchanged', () => {
  it.each(ODD)('Slurm: %s', async (name) => {
    const dir = `${base}/slurm-${ODD.indexOf(name)}`;
    await session.exec(sh`mkdir -p -- ${dir}`, { check: true });
    const outputPath = `${dir}/${name}`;
    const job = await slurm.submit({ name: 'odd-output', outputPath, script: 'echo "output of $SLURM_JOB_ID"' });
    submitted.push({ scheduler: slurm, job });
    expect(job.outputPath).toBe(outputPath);
    expect(await finish(slurm, job)).toMatchObject({ state: 'succeeded' });
    expect(listed(dir)).toEqual([name]);
    expect(await slurm.readOutput(job)).toBe(`output of ${job.id}\n`);
  });

  it('Slurm: a jobs folder with % and backslashes for the default output file', async () => {
    const jobsDir = String.raw`${base}/jobs %u \%j`;
    const scheduler = createScheduler('slurm', session, { jobsDir });
    const job = await scheduler.submit({ name: 'in-odd-folder', script: 'echo here' });
    submitted.push({ scheduler, job });
    expect(job.outputPath.startsWith(`${jobsDir}/in-odd-folder-`)).toBe(true);
    await finish(scheduler, job);
    expect(await scheduler.readOutput(job)).toBe('here\n');
    expect(listed(jobsDir)).toEqual([job.outputPath.slice(jobsDir.length + 1)]);
    expect(hostShell(`ls -A ${base}`)).not.toContain('pwned');
  });

  it('PBS (stand-ins on the real Slurm): % is literal; a colon, which qsub -o reads as host:path, is refused', async () => {
    const dir = `${base}/pbs`;
    await session.exec(sh`mkdir -p -- ${dir}`, { check: true });
    const outputPath = `${dir}/run %j %% \\x.log`;
    const job = await pbs.submit({ name: 'odd-output', outputPath, script: 'echo pbs output' });
    submitted.push({ scheduler: pbs, job });
    expect(job.outputPath).toBe(outputPath);
    expect(await finish(pbs, job)).toMatchObject({ state: 'succeeded' });
    expect(listed(dir)).toEqual(['run %j %% \\x.log']);
    expect(await pbs.readOutput(job)).toBe('pbs output\n');

    const colon = await pbs.submit({ name: 'colon', outputPath: `${dir}/a:b.log`, script: 'true' }).catch((e: unknown) => e);
    expect(isMedaasError(colon, 'SCHED_INVALID_SPEC'), String(colon)).toBe(true);
    expect((colon as Error).message).toContain('a:b.log');
  });

  it('the pattern escape: %% without backslashes, doubled backslashes (which turn replacements off) with them', () => {
    expect(slurmOutputPattern('/home/ana/jobs/out.log')).toBe('/home/ana/jobs/out.log');
    expect(slurmOutputPattern('/home/ana/100%/%j.log')).toBe('/home/ana/100%%/%%j.log');
    expect(slurmOutputPattern(String.raw`/home/ana/a\b/%j.log`)).toBe(String.raw`/home/ana/a\\b/%j.log`);
  });
});
