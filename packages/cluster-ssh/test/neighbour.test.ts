import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, createScheduler, sh, type Job, type Scheduler, type SshSession } from '../src/index.js';
import { hostShell, neighbourOptions, sshOptions, startNeighbour, startSlurm, type NeighbourInfo } from './helpers/services.js';

// Two users of one cluster, through the real sshd and Slurm: the owner (the test user) and the neighbour
// (medaas-neighbour, a member of the owner's group, as users of a cluster often share one). On one machine
// every node is localhost, the hard case. The owner's jobs and uploads must be private to the owner.
let neighbour: NeighbourInfo;
let owner: SshSession;
let other: SshSession;
let ownerSlurm: Scheduler;
let otherSlurm: Scheduler;
const jobs: Array<{ scheduler: Scheduler; job: Job }> = [];
// A shared scratch file system, as clusters have: everybody may create folders in it.
const scratch = `/tmp/medaas-scratch-${process.pid}`;
const local = mkdtempSync(join(tmpdir(), 'medaas-neighbour-'));

beforeAll(async () => {
  startSlurm();
  neighbour = startNeighbour();
  owner = await connectSsh(sshOptions(neighbour.sshd));
  other = await connectSsh(neighbourOptions(neighbour));
  ownerSlurm = createScheduler('slurm', owner);
  otherSlurm = createScheduler('slurm', other);
  hostShell(`install -d -m 1777 ${scratch}`);
  // A folder of the owner's that others may look into (as a project folder shared with a group would be).
  await owner.exec(sh`mkdir -m 775 -- ${`${scratch}/shared`}`, { check: true });
});
afterAll(async () => {
  for (const { scheduler, job } of jobs) await scheduler.cancel(job).catch(() => undefined);
  await owner?.close();
  await other?.close();
  hostShell(`rm -rf ${scratch}`);
  rmSync(local, { recursive: true, force: true });
});

/** Runs a command as the neighbour, over its own SSH login. */
const asNeighbour = async (command: ReturnType<typeof sh>): Promise<{ exitCode: number | null; stdout: string; stderr: string }> =>
  other.exec(command);

async function runningJob(scheduler: Scheduler, spec: Parameters<Scheduler['submit']>[0], ready: string): Promise<Job> {
  const job = await scheduler.submit(spec);
  jobs.push({ scheduler, job });
  const deadline = Date.now() + 60_000;
  while (!(await scheduler.readOutput(job)).includes(ready)) {
    const status = await scheduler.status(job);
    if (status.terminal) throw new Error(`job ended early: ${JSON.stringify(status)}: ${await scheduler.readOutput(job)}`);
    if (Date.now() > deadline) throw new Error(`job not ready after 60 s: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return job;
}

describe('the neighbour, another user of the same cluster', () => {
  it("logs in with its own key and is a different user in the owner's group, with a private home", async () => {
    const [ownerId, otherId] = await Promise.all([owner.exec(['id', '-un']), other.exec(['id', '-Gn'])]);
    expect(ownerId.stdout.trim()).toBe(neighbour.sshd.user);
    expect(otherId.stdout.trim().split(' ')).toEqual(expect.arrayContaining([neighbour.user, neighbour.sshd.user]));
    expect(hostShell(`stat -c '%a %U' ${neighbour.home} ${neighbour.sshd.home}`).trim().split('\n')).toEqual([
      `700 ${neighbour.user}`,
      `700 ${neighbour.sshd.user}`,
    ]);
    const peek = await asNeighbour(sh`ls -- ${neighbour.sshd.home}`);
    expect(peek.exitCode).not.toBe(0);
    expect(peek.stderr).toMatch(/permission denied/i);
  });

  it("cannot read the owner's job output file nor what the job writes, even in a folder it can list", async () => {
    const shared = `${scratch}/shared`;
    const job = await runningJob(
      ownerSlurm,
      {
        name: 'private-output',
        outputPath: `${shared}/job.out`,
        script: `echo "secret output"; echo "secret result" > ${shared}/result.txt; echo ready; sleep 300.125`,
      },
      'ready',
    );
    const listing = await asNeighbour(sh`ls -l -- ${shared}`);
    expect(listing.exitCode).toBe(0);
    const modes = Object.fromEntries(
      listing.stdout
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => [line.split(/\s+/).at(-1), line.split(/\s+/)[0]]),
    );
    expect(modes).toEqual({ 'job.out': '-rw-------', 'result.txt': '-rw-------' });
    for (const file of ['job.out', 'result.txt']) {
      const read = await asNeighbour(sh`cat -- ${`${shared}/${file}`}`);
      expect(read.exitCode, file).not.toBe(0);
      expect(read.stderr).toMatch(/permission denied/i);
      expect(read.stdout).toBe('');
    }
    // The owner reads both.
    expect(await ownerSlurm.readOutput(job)).toContain('secret output');
    expect((await owner.exec(['cat', `${shared}/result.txt`])).stdout).toBe('secret result\n');
    await ownerSlurm.cancel(job);
  });

  it("cannot read the output file in the owner's default jobs folder", async () => {
    const job = await runningJob(ownerSlurm, { name: 'default-output', script: 'echo "secret default"; sleep 300.25' }, 'secret default');
    expect(job.outputPath.startsWith(`${neighbour.sshd.home}/`)).toBe(true);
    const read = await asNeighbour(sh`cat -- ${job.outputPath}`);
    expect(read.exitCode).not.toBe(0);
    expect(read.stderr).toMatch(/permission denied/i);
    expect(
      hostShell(
        `stat -c '%a' ${JSON.stringify(job.outputPath)} ${JSON.stringify(job.outputPath.slice(0, job.outputPath.lastIndexOf('/')))}`,
      )
        .trim()
        .split('\n'),
    ).toEqual(['600', '700']);
    await ownerSlurm.cancel(job);
  });

  it("cannot cancel the owner's job: scancel is denied and the job keeps running; the owner can", async () => {
    const job = await runningJob(ownerSlurm, { name: 'keep-running', script: 'echo started; sleep 300.375' }, 'started');
    const direct = await asNeighbour(sh`scancel -- ${job.id}`);
    expect(direct.exitCode).not.toBe(0);
    expect(direct.stderr).toMatch(/denied/i);
    const viaSdk = await otherSlurm.cancel(job.id).catch((e: unknown) => e);
    expect(isMedaasError(viaSdk, 'SCHED_CANCEL_FAILED'), String(viaSdk)).toBe(true);
    expect((viaSdk as Error).message).toMatch(/denied/i);
    for (const id of [`-u${neighbour.sshd.user}`, `--name=keep-running`]) {
      expect(isMedaasError(await otherSlurm.cancel(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await ownerSlurm.status(job)).state).toBe('running');
    await ownerSlurm.cancel(job);
    let state = (await ownerSlurm.status(job)).state;
    for (let i = 0; i < 50 && state === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = (await ownerSlurm.status(job)).state;
    }
    expect(state).toBe('cancelled');
  });

  it('cannot read an uploaded project: new folders 0700, files 0600, unless the upload says otherwise', async () => {
    const project = join(local, 'project');
    mkdirSync(join(project, 'imagesTr'), { recursive: true });
    writeFileSync(join(project, 'imagesTr', 'case1.nii.gz'), randomBytes(4096));
    writeFileSync(join(project, 'dataset.json'), '{"labels":{"1":"spleen"}}');
    const target = `${scratch}/shared/project`;
    const result = await owner.upload(project, target);
    expect(result.files).toHaveLength(2);
    const modes = hostShell(`cd ${target} && find . -printf '%m %u %p\\n' | sort -k3`).trim().split('\n');
    expect(modes).toEqual([
      `700 ${neighbour.sshd.user} .`,
      `600 ${neighbour.sshd.user} ./dataset.json`,
      `700 ${neighbour.sshd.user} ./imagesTr`,
      `600 ${neighbour.sshd.user} ./imagesTr/case1.nii.gz`,
    ]);
    for (const command of [sh`ls -- ${target}`, sh`cat -- ${`${target}/dataset.json`}`]) {
      const attempt = await asNeighbour(command);
      expect(attempt.exitCode).not.toBe(0);
      expect(attempt.stderr).toMatch(/permission denied/i);
    }
    // A single file into a folder others can list is private too.
    const single = await owner.upload(join(project, 'dataset.json'), `${scratch}/shared/dataset.json`);
    expect(hostShell(`stat -c '%a' ${single.remotePath}`).trim()).toBe('600');
    expect((await asNeighbour(sh`cat -- ${single.remotePath}`)).exitCode).not.toBe(0);

    // Shared on purpose with the group: the modes the caller gives, whatever the server's umask.
    const sharedProject = `${scratch}/shared/group-project`;
    await owner.upload(project, sharedProject, { dirMode: 0o750, fileMode: 0o640 });
    expect(hostShell(`cd ${sharedProject} && find . -printf '%m %p\\n' | sort -k2`).trim().split('\n')).toEqual([
      '750 .',
      '640 ./dataset.json',
      '750 ./imagesTr',
      '640 ./imagesTr/case1.nii.gz',
    ]);
    expect((await asNeighbour(sh`cat -- ${`${sharedProject}/dataset.json`}`)).stdout).toBe('{"labels":{"1":"spleen"}}');
    // The owner's own use of the private project still works.
    expect((await owner.exec(['cat', `${target}/dataset.json`])).stdout).toBe('{"labels":{"1":"spleen"}}');
  });

  it("submits and reads its own jobs; the owner cannot read the neighbour's output either", async () => {
    const job = await runningJob(
      otherSlurm,
      { name: 'neighbour-job', outputPath: `${scratch}/neighbour.out`, script: 'echo "neighbour secret"; sleep 300.5' },
      'neighbour secret',
    );
    expect((await otherSlurm.status(job)).state).toBe('running');
    const squeue = await owner.exec(['squeue', '-h', '-j', job.id, '-o', '%u']);
    expect(squeue.stdout.trim()).toBe(neighbour.user);
    const read = await owner.exec(['cat', '--', job.outputPath]);
    expect(read.exitCode).not.toBe(0);
    expect(isMedaasError(await ownerSlurm.cancel(job).catch((e: unknown) => e), 'SCHED_CANCEL_FAILED')).toBe(true);
    await otherSlurm.cancel(job);
  });
});
