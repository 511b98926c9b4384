import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, writeFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallOptions } from '@medaas/core';
import { ClusterSshError } from './errors.js';
import { validateJobId } from './job-id.js';
import { renderJobScript, type JobSpec } from './job-script.js';
import type { Job, JobState, JobStatus } from './job.js';
import {
  fileSafe,
  jobUmask,
  maxBytesOf,
  watchJobStatus,
  type ReadOutputOptions,
  type Scheduler,
  type SchedulerOptions,
  type WatchOptions,
} from './scheduler-interface.js';

interface LocalJob {
  readonly job: Job;
  state: JobState;
  rawState: string;
  exitCode?: number;
  child?: ChildProcess;
  timer?: ReturnType<typeof setTimeout>;
  endReason?: 'cancelled' | 'timed-out';
}

/** Sends a signal to a job's whole process group, so that a server it started in the background stops too. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The `local` scheduler: each job is a bash process group on this machine. */
export function createLocalScheduler(options: SchedulerOptions): Scheduler {
  const jobs = new Map<string, LocalJob>();
  const jobsDir = options.jobsDir ?? join(tmpdir(), 'medaas-jobs');
  let counter = 0;

  const find = (job: Job | string): LocalJob => {
    const id = validateJobId('local', typeof job === 'string' ? job : (job as Partial<Job> | null)?.id);
    const found = jobs.get(id);
    if (!found) throw new ClusterSshError('SCHED_JOB_UNKNOWN', `no local job ${id} in this process`, { details: { id } });
    return found;
  };

  const statusOf = (entry: LocalJob): JobStatus => {
    const terminal = entry.state !== 'queued' && entry.state !== 'running';
    return {
      id: entry.job.id,
      state: entry.state,
      rawState: entry.rawState,
      terminal,
      node: '127.0.0.1',
      ...(entry.exitCode === undefined ? {} : { exitCode: entry.exitCode }),
    };
  };

  return {
    kind: 'local',
    session: undefined,
    async submit(spec: JobSpec, callOptions: CallOptions = {}) {
      if (callOptions.signal?.aborted) throw callOptions.signal.reason;
      const script = renderJobScript(spec);
      counter += 1;
      const id = `local-${process.pid}-${counter}`;
      const base = `${fileSafe(spec.name)}-${randomBytes(4).toString('hex')}`;
      const outputPath = spec.outputPath ?? join(jobsDir, `${base}.out`);
      const scriptPath = join(jobsDir, `${base}.sh`);
      const umask = jobUmask(spec);
      let child: ChildProcess;
      try {
        mkdirSync(jobsDir, { recursive: true, mode: 0o700 });
        writeFileSync(scriptPath, script, { mode: 0o700 });
        // The output file gets the job's umask as if the job had made it (private by default).
        const fd = openSync(outputPath, 'a', 0o666 & ~Number.parseInt(umask, 8));
        try {
          // The job runs with its umask (default 077), whatever this process's is, so what it writes is its owner's only.
          child = spawn('/bin/sh', ['-c', 'umask "$1" && exec /bin/bash "$2"', 'sh', umask, scriptPath], {
            detached: true,
            stdio: ['ignore', fd, fd],
            cwd: spec.workdir ?? process.cwd(),
          });
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        rmSync(scriptPath, { force: true });
        throw new ClusterSshError('SCHED_SUBMIT_FAILED', `cannot start a local job: ${(error as Error).message}`, {
          details: { name: spec.name, outputPath },
          cause: error,
        });
      }
      const job: Job = { id, name: spec.name, scheduler: 'local', outputPath };
      const entry: LocalJob = { job, state: 'queued', rawState: 'starting' };
      jobs.set(id, entry);
      entry.child = child;
      child.unref();
      child.on('spawn', () => {
        if (entry.state === 'queued') {
          entry.state = 'running';
          entry.rawState = 'running';
        }
      });
      child.on('error', () => {
        rmSync(scriptPath, { force: true });
        entry.state = 'failed';
        entry.rawState = 'spawn-failed';
      });
      child.on('exit', (code, signal) => {
        if (entry.timer) clearTimeout(entry.timer);
        rmSync(scriptPath, { force: true });
        // Background processes the script started must not outlive it.
        killGroup(child, 'SIGKILL');
        entry.exitCode = code ?? 128;
        if (entry.endReason) entry.state = entry.endReason;
        else entry.state = code === 0 ? 'succeeded' : 'failed';
        entry.rawState = signal ? `killed by ${signal}` : `exit ${String(code)}`;
      });
      if (spec.walltimeSec !== undefined) {
        entry.timer = setTimeout(() => {
          entry.endReason = 'timed-out';
          killGroup(child, 'SIGTERM');
        }, spec.walltimeSec * 1000);
        entry.timer.unref();
      }
      return job;
    },
    async status(job: Job | string, callOptions: CallOptions = {}) {
      if (callOptions.signal?.aborted) throw callOptions.signal.reason;
      return statusOf(find(job));
    },
    async cancel(job: Job | string, callOptions: CallOptions = {}) {
      if (callOptions.signal?.aborted) throw callOptions.signal.reason;
      const entry = find(job);
      if (entry.state !== 'queued' && entry.state !== 'running') return;
      entry.endReason = 'cancelled';
      const child = entry.child;
      if (!child) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    watch(job: Job | string, watchOptions: WatchOptions = {}) {
      return watchJobStatus((callOptions) => this.status(job, callOptions), { intervalMs: 200, ...watchOptions });
    },
    async readOutput(job: Job, readOptions: ReadOutputOptions = {}) {
      if (readOptions.signal?.aborted) throw readOptions.signal.reason;
      const max = maxBytesOf(readOptions);
      const handle =
        typeof job?.outputPath === 'string' && job.outputPath !== '' ? await open(job.outputPath, 'r').catch(() => undefined) : undefined;
      if (!handle) return '';
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, max);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        return buffer.toString('utf8');
      } finally {
        await handle.close();
      }
    },
  };
}
