import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, type Job, type Scheduler, type SshSession } from '../src/index.js';
import { parseQstat, parseQsubOutput, pbsState } from '../src/pbs.js';
import { sshOptions, startSlurm, startSshd } from './helpers/services.js';

// Recorded in the shapes the PBS Professional reference guide documents for `qstat -f` and `qstat -f -F json`.
const QSTAT_TEXT = `Job Id: 8765.pbs01
    Job_Name = aiaa server
    Job_Owner = ana@login01.hpc.example
    job_state = R
    queue = gpu
    server = pbs01
    exec_host = gpu07/0*8+gpu08/0*8
    Resource_List.select = 2:ncpus=8:ngpus=1
    Variable_List = PBS_O_HOME=/home/ana,PBS_O_LANG=en_US.UTF-8,PBS_O_LOGNAME=ana,
	PBS_O_PATH=/usr/local/bin:/usr/bin:/bin,PBS_O_WORKDIR=/home/ana
    comment = Job run at Tue Mar 04 at 10:12 on (gpu07:ncpus=8)+(gpu08:ncpus=8)

Job Id: 8766.pbs01
    Job_Name = train
    job_state = F
    queue = gpu
    Exit_status = -29
    comment = Job run at Tue Mar 04 at 10:12 and failed
`;
const QSTAT_JSON = JSON.stringify({
  timestamp: 1709546000,
  pbs_version: '2021.1.3',
  pbs_server: 'pbs01',
  Jobs: {
    '8767.pbs01': { Job_Name: 'done', job_state: 'F', queue: 'workq', Exit_status: 0, exec_host: 'cn12/0' },
    '8768.pbs01': { Job_Name: 'deleted', job_state: 'F', queue: 'workq', Exit_status: 271, comment: 'Job deleted by ana' },
    '8769.pbs01': { Job_Name: 'waiting', job_state: 'Q', queue: 'workq', comment: 'Not Running: Insufficient amount of resource: ngpus' },
    '8770.pbs01': { Job_Name: 'crashed', job_state: 'F', queue: 'workq', Exit_status: 2 },
  },
});

describe('PBS parsers (recorded output)', () => {
  it('parses qstat -f text blocks with continuation lines', () => {
    const jobs = parseQstat(QSTAT_TEXT);
    expect(jobs.get('8765.pbs01')).toMatchObject({ state: 'running', rawState: 'R', node: 'gpu07', terminal: false });
    expect(jobs.get('8766.pbs01')).toMatchObject({ state: 'timed-out', exitCode: -29, terminal: true });
  });

  it('parses qstat -f -F json and normalises finished jobs by exit status', () => {
    const jobs = parseQstat(QSTAT_JSON);
    expect(jobs.get('8767.pbs01')).toMatchObject({ state: 'succeeded', exitCode: 0, node: 'cn12' });
    expect(jobs.get('8768.pbs01')?.state).toBe('cancelled');
    expect(jobs.get('8769.pbs01')).toMatchObject({ state: 'queued', reason: expect.stringContaining('ngpus') });
    expect(jobs.get('8770.pbs01')).toMatchObject({ state: 'failed', exitCode: 2 });
    expect(pbsState('H')).toBe('queued');
    expect(pbsState('E')).toBe('running');
  });

  it('parses qsub output and rejects garbage with SCHED_PARSE_FAILED', () => {
    expect(parseQsubOutput('8765.pbs01\n')).toBe('8765.pbs01');
    expect(parseQsubOutput('123[].pbs01')).toBe('123[].pbs01');
    for (const bad of ['qsub: Unknown queue', '{"Jobs": 3}', 'Job Id: 1\n    job_state = ??']) {
      expect(() => (bad.startsWith('qsub') ? parseQsubOutput(bad) : parseQstat(bad))).toSatisfy((fn: () => unknown) => {
        try {
          fn();
          return false;
        } catch (error) {
          return isMedaasError(error, 'SCHED_PARSE_FAILED');
        }
      });
    }
  });
});

// Neither OpenPBS nor Torque is packaged for Debian: qsub/qstat/qdel stand-ins translate to the real Slurm.
describe('PBS end to end through stand-ins over SSH', () => {
  let session: SshSession;
  let pbs: Scheduler;
  const jobs: Job[] = [];
  beforeAll(async () => {
    const { pbsBinDir } = startSlurm();
    session = await connectSsh(sshOptions(startSshd()));
    pbs = createScheduler('pbs', session, { binDir: pbsBinDir });
  });
  afterAll(async () => {
    for (const job of jobs) await pbs.cancel(job).catch(() => undefined);
    await session?.close();
  });

  it('submits with queue, walltime and select, watches to succeeded, cancels, and reports a bad queue', async () => {
    const job = await pbs.submit({ name: 'pbs ok', partition: 'debug', walltimeSec: 600, cpus: 1, memoryMb: 100, script: 'echo from-pbs' });
    jobs.push(job);
    expect(job.id).toMatch(/^\d+\.medaas-pbs$/);
    const states = [];
    for await (const status of pbs.watch(job, { intervalMs: 200 })) states.push(status);
    expect(states.at(-1)).toMatchObject({ state: 'succeeded', rawState: 'F', exitCode: 0 });
    expect(await pbs.readOutput(job)).toContain('from-pbs');

    const long = await pbs.submit({ name: 'pbs long', script: 'sleep 300.75' });
    jobs.push(long);
    for await (const status of pbs.watch(long, { intervalMs: 200 })) if (status.state === 'running') break;
    await pbs.cancel(long);
    let last;
    for await (const status of pbs.watch(long, { intervalMs: 200 })) last = status;
    expect(last?.state).toBe('cancelled');

    const refused = await pbs.submit({ name: 'nowhere', partition: 'no-such-queue', script: 'true' }).catch((e: unknown) => e);
    expect(isMedaasError(refused, 'SCHED_SUBMIT_FAILED')).toBe(true);
    expect((refused as Error).message).toContain('Unknown queue');
  });
});
