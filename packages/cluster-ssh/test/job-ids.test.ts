import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, type Job, type Scheduler, type BuiltinSchedulerKind, type SshSession } from '../src/index.js';
import { validateJobId } from '../src/job-id.js';
import { sshOptions, startSlurm, startSshd, type SlurmInfo } from './helpers/services.js';

// A job id reaches scancel/qdel/squeue/qstat as an argument: one that starts with '-' would be read as an
// option (`scancel -n<name>` cancels jobs by name, `scancel --version` "succeeds"). Ids are checked per
// scheduler before any command runs, and `--` ends the options where the tools take it.
let session: SshSession;
let slurm: Scheduler;
let pbs: Scheduler;
let slurmInfo: SlurmInfo;
const submitted: Job[] = [];
const recorder = mkdtempSync(join(tmpdir(), 'medaas-jobid-bin-'));
const calls = join(recorder, 'calls.log');

beforeAll(async () => {
  slurmInfo = startSlurm();
  session = await connectSsh(sshOptions(startSshd()));
  slurm = createScheduler('slurm', session);
  pbs = createScheduler('pbs', session, { binDir: slurmInfo.pbsBinDir });
  // Stand-ins of the scheduler commands that only record their arguments (one line per call, NUL-separated).
  for (const tool of ['sbatch', 'squeue', 'scancel', 'qsub', 'qstat', 'qdel']) {
    const path = join(recorder, tool);
    writeFileSync(path, `#!/bin/sh\nprintf '%s\\0' ${tool} "$@" >> ${calls}\necho >> ${calls}\nexit 0\n`);
    chmodSync(path, 0o755);
  }
});
afterAll(async () => {
  for (const job of submitted) await slurm.cancel(job).catch(() => undefined);
  await session?.close();
  rmSync(recorder, { recursive: true, force: true });
});

const recorded = (): string[][] => {
  const text = (() => {
    try {
      return readFileSync(calls, 'utf8');
    } catch {
      return '';
    }
  })();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\0').filter(Boolean));
};

const HOSTILE = [
  '--version',
  '-n',
  '-nvictim',
  '--name=victim',
  '-u',
  '--user=medaas',
  '-1',
  '-W force',
  '-x',
  '--',
  '-',
  '',
  ' 12',
  '12 ',
  '12\n13',
  '12;id',
  '$(id)',
  '12 -n x',
  '０１２',
];

describe('job ids are checked before any command runs', () => {
  it('Slurm over SSH: cancel("-n<name>") does not cancel that job, it is refused with SCHED_INVALID_JOB_ID', async () => {
    const name = `victim-${process.pid}`;
    const job = await slurm.submit({ name, script: 'sleep 300.75' });
    submitted.push(job);
    for await (const status of slurm.watch(job, { intervalMs: 200 })) if (status.state === 'running') break;

    for (const id of [`-n${name}`, `--name=${name}`, '--version', `-u${session.username}`]) {
      const error = await slurm.cancel(id).catch((e: unknown) => e);
      expect(isMedaasError(error, 'SCHED_INVALID_JOB_ID'), `cancel(${JSON.stringify(id)})`).toBe(true);
      expect((error as Error).message).toContain(JSON.stringify(id));
      const statusError = await slurm.status(id).catch((e: unknown) => e);
      expect(isMedaasError(statusError, 'SCHED_INVALID_JOB_ID'), `status(${JSON.stringify(id)})`).toBe(true);
    }
    // The job the hostile ids named is still running.
    expect((await slurm.status(job)).state).toBe('running');
    await slurm.cancel(job);
    expect((await slurm.status(job)).state).toMatch(/running|cancelled/);
  });

  it('PBS over SSH: qdel/qstat never receive an id that could be an option', async () => {
    for (const id of ['--version', '-W', '-Wforce', '-x']) {
      expect(isMedaasError(await pbs.cancel(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
      expect(isMedaasError(await pbs.status(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
    }
    // Real forms are accepted and reach qstat (which does not know them).
    for (const id of ['987654321.medaas-pbs', '987654321', '987654321[].medaas-pbs', '987654321[3].pbs01.hpc.example']) {
      const error = await pbs.status(id).catch((e: unknown) => e);
      expect(isMedaasError(error, 'SCHED_JOB_UNKNOWN'), id).toBe(true);
    }
  });

  it('local: hostile ids are refused with SCHED_INVALID_JOB_ID, unknown well-formed ones with SCHED_JOB_UNKNOWN', async () => {
    const local = createScheduler('local');
    for (const id of ['--version', '-n', 'local-1-x', '../local-1-1']) {
      expect(isMedaasError(await local.cancel(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID'), id).toBe(true);
      expect(isMedaasError(await local.status(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID'), id).toBe(true);
    }
    expect(isMedaasError(await local.status('local-1-1').catch((e: unknown) => e), 'SCHED_JOB_UNKNOWN')).toBe(true);
  });

  it('no command runs for a hostile id, and real ids follow "--" (recording stand-ins)', async () => {
    const local = {
      slurm: createScheduler('slurm', undefined, { binDir: recorder }),
      pbs: createScheduler('pbs', undefined, { binDir: recorder }),
    };
    for (const kind of ['slurm', 'pbs'] as const) {
      for (const id of HOSTILE) {
        expect(
          isMedaasError(await local[kind].cancel(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID'),
          `${kind} ${JSON.stringify(id)}`,
        ).toBe(true);
        expect(
          isMedaasError(await local[kind].status(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID'),
          `${kind} ${JSON.stringify(id)}`,
        ).toBe(true);
        const forged = { id, name: 'x', scheduler: kind, outputPath: '/tmp/x.out' } satisfies Job;
        expect(isMedaasError(await local[kind].cancel(forged).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
      }
    }
    expect(recorded()).toEqual([]);
    await local.slurm.cancel('123_4');
    await local.slurm.cancel('123+1');
    await local.pbs.cancel('77.pbs01');
    await local.slurm.status('42').catch(() => undefined);
    await local.pbs.status('43[].pbs01').catch(() => undefined);
    expect(recorded()).toEqual([
      ['scancel', '--', '123_4'],
      ['scancel', '--', '123+1'],
      ['qdel', '--', '77.pbs01'],
      ['squeue', '-h', '-t', 'all', '--jobs=42', '-O', expect.any(String)],
      ['qstat', '-x', '-f', '-F', 'json', '--', '43[].pbs01'],
    ]);
  });

  it('accepts exactly the documented forms of each scheduler (property)', () => {
    const forms: Record<BuiltinSchedulerKind, RegExp> = {
      slurm: /^[0-9]{1,20}(?:_[0-9]{1,10}|\+[0-9]{1,10})?$/,
      pbs: /^[0-9]{1,20}(?:\[[0-9]{0,10}\])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*$/,
      local: /^local-[0-9]{1,10}-[0-9]{1,10}$/,
    };
    const idLike = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^-{1,2}[a-z]{1,8}(=[a-z0-9]{0,6})?$/),
      fc.stringMatching(/^[0-9]{1,6}([_+][0-9]{1,3})?$/),
      fc.stringMatching(/^[0-9]{1,6}(\[[0-9]{0,2}\])?(\.[a-z0-9_-]{1,8}){0,2}$/),
      fc.stringMatching(/^local-[0-9]{1,4}-[0-9]{1,3}$/),
    );
    fc.assert(
      fc.property(fc.constantFrom<BuiltinSchedulerKind>('slurm', 'pbs', 'local'), idLike, (kind, id) => {
        let accepted = true;
        try {
          expect(validateJobId(kind, id)).toBe(id);
        } catch (error) {
          expect(isMedaasError(error, 'SCHED_INVALID_JOB_ID')).toBe(true);
          accepted = false;
        }
        expect(accepted).toBe(forms[kind].test(id));
        if (accepted) expect(id.startsWith('-')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
