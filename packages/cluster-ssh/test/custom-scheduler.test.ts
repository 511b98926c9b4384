import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The public API only: what a user who adds LSF from outside the package has.
import {
  ClusterSshError,
  connectSsh,
  createBatchScheduler,
  isTerminal,
  jobUmask,
  renderJobScript,
  sh,
  startAiaaServerJob,
  validateJobId,
  validateJobSpec,
  watchJobStatus,
  type BatchAdapter,
  type Job,
  type JobState,
  type JobStatus,
  type Scheduler,
  type SshSession,
} from '../src/index.js';
import { sshOptions, startSshd } from './helpers/services.js';

// LSF stand-ins on the real sshd: bsub takes the job script on standard input and runs it in a process
// group of its own, bjobs and bkill read and change the job's state files, each printing what LSF prints.
const BSUB = String.raw`#!/bin/bash
state="$(cd "$(dirname "$0")/.." && pwd)/state"
mkdir -p "$state"
out=/dev/null queue=normal
while [ $# -gt 0 ]; do
  case "$1" in
    -J) shift 2 ;;
    -o) out="$2"; shift 2 ;;
    -q) queue="$2"; shift 2 ;;
    -W|-n) shift 2 ;;
    *) echo "bsub: illegal option $1" >&2; exit 255 ;;
  esac
done
if [ "$queue" != normal ]; then echo "$queue: No such queue. Job not submitted." >&2; exit 255; fi
id=$(( $(cat "$state/last" 2>/dev/null || echo 300) + 1 ))
echo "$id" > "$state/last"
cat > "$state/$id.sh"
echo PEND > "$state/$id.stat"
setsid bash -c 'echo $$ > "$1/$2.pid"; echo RUN > "$1/$2.stat"; bash "$1/$2.sh" >> "$3" 2>&1; code=$?
  [ -e "$1/$2.killed" ] || { echo "$code" > "$1/$2.exit"; if [ "$code" = 0 ]; then echo DONE; else echo EXIT; fi > "$1/$2.stat"; }' \
  lsf-job "$state" "$id" "$out" </dev/null >/dev/null 2>&1 &
echo "Job <$id> is submitted to queue <$queue>."
`;

const BJOBS = String.raw`#!/bin/bash
state="$(cd "$(dirname "$0")/.." && pwd)/state"
for id in "$@"; do :; done
if [ ! -e "$state/$id.stat" ]; then echo "Job <$id> is not found" >&2; exit 255; fi
stat=$(cat "$state/$id.stat")
host=- exit=- reason=-
[ "$stat" = PEND ] || host=localhost
[ -e "$state/$id.exit" ] && exit=$(cat "$state/$id.exit")
[ -e "$state/$id.killed" ] && reason="TERM_OWNER: job killed by owner"
echo "$id|$stat|$host|$exit|$reason"
`;

const BKILL = String.raw`#!/bin/bash
state="$(cd "$(dirname "$0")/.." && pwd)/state"
id="$1"
if [ ! -e "$state/$id.stat" ]; then echo "Job <$id>: No matching job found" >&2; exit 255; fi
case "$(cat "$state/$id.stat")" in DONE|EXIT) echo "Job <$id>: Job has already finished" >&2; exit 255 ;; esac
touch "$state/$id.killed"
kill -TERM -- "-$(cat "$state/$id.pid")" 2>/dev/null
echo 143 > "$state/$id.exit"
echo EXIT > "$state/$id.stat"
echo "Job <$id> is being terminated"
`;

const LSF_STATES: Readonly<Record<string, JobState>> = {
  PEND: 'queued',
  PSUSP: 'queued',
  USUSP: 'queued',
  SSUSP: 'queued',
  WAIT: 'queued',
  RUN: 'running',
  DONE: 'succeeded',
  EXIT: 'failed',
};

/** An LSF scheduler as a user would write it: an adapter for bsub, bjobs and bkill. */
function lsfAdapter(binDir: string): BatchAdapter {
  return {
    kind: 'lsf',
    jobId: { pattern: /^[0-9]{1,20}$/, shape: 'digits' },
    submitArgv(spec, outputPath) {
      const argv = [`${binDir}/bsub`, '-J', spec.name, '-o', outputPath];
      if (spec.partition !== undefined) argv.push('-q', spec.partition);
      if (spec.walltimeSec !== undefined) argv.push('-W', String(Math.ceil(spec.walltimeSec / 60)));
      if (spec.cpus !== undefined) argv.push('-n', String(spec.cpus));
      return argv;
    },
    parseSubmit(stdout) {
      const id = /Job <(\d+)> is submitted/.exec(stdout)?.[1];
      if (id === undefined) throw new ClusterSshError('SCHED_PARSE_FAILED', `bsub printed no job id: ${stdout.slice(0, 200)}`);
      return id;
    },
    statusArgv: (id) => [`${binDir}/bjobs`, '-noheader', '-o', "jobid stat exec_host exit_code exit_reason delimiter='|'", id],
    parseStatus(id, result) {
      const line = result.exitCode === 0 ? result.stdout.split('\n').find((l) => l.startsWith(`${id}|`)) : undefined;
      if (line === undefined) return undefined;
      const [, raw = '', host = '-', exit = '-', reason = '-'] = line.split('|');
      let state = LSF_STATES[raw] ?? 'queued';
      if (raw === 'EXIT' && /^TERM_(OWNER|ADMIN)/.test(reason)) state = 'cancelled';
      if (raw === 'EXIT' && /^TERM_RUNLIMIT/.test(reason)) state = 'timed-out';
      const status: JobStatus = { id, state, rawState: raw, terminal: isTerminal(state) };
      return {
        ...status,
        ...(/^\d+$/.test(exit) ? { exitCode: Number(exit) } : {}),
        ...(host === '-' ? {} : { node: host }),
        ...(reason === '-' ? {} : { reason }),
      };
    },
    unknownJob: (result) => /is not found/.test(result.stderr),
    cancelArgv: (id) => [`${binDir}/bkill`, id],
    alreadyEnded: (result) => /already finished/.test(result.stderr),
  };
}

const root = `medaas-lsf-${process.pid}`;
let session: SshSession;
let lsf: Scheduler;

beforeAll(async () => {
  session = await connectSsh(sshOptions(startSshd()));
  await session.exec(sh`mkdir -p -- ${`${root}/bin`}`, { check: true });
  for (const [name, text] of Object.entries({ bsub: BSUB, bjobs: BJOBS, bkill: BKILL })) {
    await session.exec(sh`cat > ${`${root}/bin/${name}`} && chmod 700 -- ${`${root}/bin/${name}`}`, { stdin: text, check: true });
  }
  const home = (await session.exec(sh`printf '%s' "$HOME"`, { check: true })).stdout;
  lsf = createBatchScheduler(lsfAdapter(`${home}/${root}/bin`), session, { jobsDir: `${root}/jobs` });
});
afterAll(async () => {
  await session?.exec(sh`rm -rf -- ${root}`).catch(() => undefined);
  await session?.close();
});

async function final(job: Job): Promise<{ states: string[]; last: JobStatus | undefined }> {
  const states: string[] = [];
  let last: JobStatus | undefined;
  for await (const status of lsf.watch(job, { intervalMs: 100 })) {
    states.push(status.state);
    last = status;
  }
  return { states, last };
}

describe('a scheduler of your own (LSF stand-ins over the real sshd)', () => {
  it('runs a job to completion: the spec, the output file, the states and the exit code', async () => {
    const job = await lsf.submit({
      name: "lsf $(touch pwned) it's",
      script: 'echo "greeting: $GREETING"; ls -ld "$PWD"',
      env: { GREETING: "hello 'lsf' $(id)" },
      workdir: '/tmp',
      walltimeSec: 120,
    });
    expect(job.scheduler).toBe('lsf');
    expect(job.id).toMatch(/^\d+$/);
    const { states, last } = await final(job);
    expect(states.at(-1)).toBe('succeeded');
    expect(last).toMatchObject({ state: 'succeeded', rawState: 'DONE', exitCode: 0, node: 'localhost', terminal: true });
    const output = await lsf.readOutput(job);
    expect(output).toContain("greeting: hello 'lsf' $(id)");
    expect(output).toContain(' /tmp\n');
    // The job ran with the SDK's default umask 077, as Slurm and PBS jobs do: its output is its owner's only.
    expect((await session.exec(sh`stat -c %a -- ${job.outputPath}`, { check: true })).stdout.trim()).toBe('600');
    expect((await session.exec(sh`ls -A ~ | grep -c pwned || true`)).stdout.trim()).toBe('0');

    const failing = await lsf.submit({ name: 'fails', script: 'exit 3' });
    expect((await final(failing)).last).toMatchObject({ state: 'failed', rawState: 'EXIT', exitCode: 3 });
  });

  it('cancels a running job: cancelled, its processes gone, a second cancel is no error', async () => {
    const job = await lsf.submit({ name: 'long', script: 'sleep 301.5' });
    for await (const status of lsf.watch(job, { intervalMs: 100 })) if (status.state === 'running') break;
    await lsf.cancel(job);
    expect(await lsf.status(job)).toMatchObject({ state: 'cancelled', terminal: true, reason: 'TERM_OWNER: job killed by owner' });
    expect((await session.exec(['ps', '-eo', 'args='])).stdout).not.toContain('sleep 301.5');
    await lsf.cancel(job);
  });

  it('refuses what the built-in schedulers refuse, with the same codes', async () => {
    const ids = ['-l', '42; touch pwned', '', '1 2'];
    for (const id of ids) {
      expect(isMedaasError(await lsf.status(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
      expect(isMedaasError(await lsf.cancel(id).catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
    }
    expect(isMedaasError(await lsf.status('999999').catch((e: unknown) => e), 'SCHED_JOB_UNKNOWN')).toBe(true);
    expect(
      isMedaasError(await lsf.submit({ name: 'x', script: 'true', partition: 'gpu-nope' }).catch((e: unknown) => e), 'SCHED_SUBMIT_FAILED'),
    ).toBe(true);
    expect(isMedaasError(await lsf.submit({ name: 'bad\nname', script: 'true' }).catch((e: unknown) => e), 'SCHED_INVALID_SPEC')).toBe(
      true,
    );
    // A scheduler that is not built in must say what its ids look like.
    const { jobId: _form, ...formless } = lsfAdapter('/nowhere');
    expect(() => createBatchScheduler(formless, session)).toThrow(expect.objectContaining({ code: 'SSH_INVALID_ARGUMENT' }));
  });

  it('serves an annotation server with startAiaaServerJob, as Slurm does; close() cancels the job', async () => {
    const marker = `lsf-aiaa-${process.pid}`;
    const server = [
      'node',
      '-e',
      `/* ${marker} */ require('http').createServer((q, r) => r.end(JSON.stringify({ path: q.url }))).listen(+process.env.MEDAAS_PORT, '127.0.0.1')`,
    ];
    const aiaa = await startAiaaServerJob(lsf, {
      job: { name: 'aiaa-on-lsf', walltimeSec: 600 },
      server: { command: server },
      timeoutMs: 60_000,
    });
    expect(aiaa.job.scheduler).toBe('lsf');
    expect(aiaa.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aiaa.remote.host).toBe('localhost');
    expect(await (await fetch(`${aiaa.url}/v1/models`)).json()).toEqual({ path: '/v1/models' });
    await aiaa.close();
    expect((await lsf.status(aiaa.job)).state).toBe('cancelled');
    await expect(fetch(`${aiaa.url}/v1/models`)).rejects.toThrow();
    // The cancel reached the server's process, not only the job's state.
    let processes = '';
    for (let i = 0; i < 20; i += 1) {
      processes = (await session.exec(['ps', '-eo', 'args='])).stdout;
      if (!processes.includes(marker)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processes).not.toContain(marker);
  });
});

/**
 * A scheduler written against the `Scheduler` interface itself, for a system the adapter does not fit: each
 * job a process group on the login node (`setsid`), its id the group's id, its exit status in a file.
 */
function processGroupScheduler(session: SshSession, folder: string): Scheduler {
  const form = { pattern: /^[0-9]{1,10}$/, shape: 'a process id' };
  const jobs = new Map<string, Job>();
  const known = (job: Job | string): Job => {
    const id = validateJobId('setsid', typeof job === 'string' ? job : job.id, form);
    const found = jobs.get(id);
    if (!found) throw new ClusterSshError('SCHED_JOB_UNKNOWN', `no job ${id}`, { details: { id } });
    return found;
  };
  const scheduler: Scheduler = {
    kind: 'setsid',
    session,
    async submit(spec, options = {}) {
      validateJobSpec(spec);
      const base = `${folder}/${jobs.size + 1}-${Date.now()}`;
      const run = 'bash "$1.sh" >> "$1.out" 2>&1; echo $? > "$1.exit"';
      const result = await session.exec(
        sh`umask ${jobUmask(spec)} && mkdir -p -- ${folder} && cat > ${`${base}.sh`} && { setsid bash -c ${run} job ${base} </dev/null >/dev/null 2>&1 & echo $!; }`,
        {
          ...options,
          stdin: renderJobScript(spec),
        },
      );
      const id = result.stdout.trim();
      if (result.exitCode !== 0 || !form.pattern.test(id))
        throw new ClusterSshError('SCHED_SUBMIT_FAILED', `cannot start ${spec.name}: ${result.stderr}`);
      const job: Job = { id, name: spec.name, scheduler: 'setsid', outputPath: `${base}.out` };
      jobs.set(id, job);
      return job;
    },
    async status(job, options = {}) {
      const { id, outputPath } = known(job);
      const exitFile = outputPath.replace(/\.out$/, '.exit');
      const result = await session.exec(
        sh`cat -- ${exitFile} 2>/dev/null || { kill -0 ${id} 2>/dev/null && echo running; } || echo cancelled`,
        options,
      );
      const word = result.stdout.trim();
      const state: JobState = word === 'running' || word === 'cancelled' ? word : word === '0' ? 'succeeded' : 'failed';
      return {
        id,
        state,
        rawState: word,
        terminal: isTerminal(state),
        node: 'localhost',
        ...(/^\d+$/.test(word) ? { exitCode: Number(word) } : {}),
      };
    },
    async cancel(job, options = {}) {
      const { id } = known(job);
      await session.exec(sh`kill -TERM -- ${`-${id}`} 2>/dev/null || true`, options);
    },
    watch(job, options) {
      return watchJobStatus((callOptions) => scheduler.status(job, callOptions), options);
    },
    async readOutput(job, options = {}) {
      const { outputPath } = known(job);
      return (await session.exec(sh`tail -c ${options.maxBytes ?? 65536} -- ${outputPath} 2>/dev/null`, options)).stdout;
    },
  };
  return scheduler;
}

describe('a Scheduler implemented directly, with the building blocks', () => {
  it('runs a job to completion and cancels another, with the polling loop and checks the SDK lends it', async () => {
    const direct = processGroupScheduler(session, `${root}/direct`);
    const job = await direct.submit({ name: 'direct', script: 'echo "$GREETING"', env: { GREETING: 'from a scheduler of my own' } });
    const states: JobState[] = [];
    for await (const status of direct.watch(job, { intervalMs: 100 })) states.push(status.state);
    expect(states.at(-1)).toBe('succeeded');
    expect(await direct.readOutput(job)).toBe('from a scheduler of my own\n');
    expect((await session.exec(sh`stat -c %a -- ${job.outputPath}`, { check: true })).stdout.trim()).toBe('600');

    const long = await direct.submit({ name: 'long', script: 'sleep 302.5' });
    expect((await direct.status(long)).state).toBe('running');
    await direct.cancel(long);
    let last: JobStatus | undefined;
    for await (const status of direct.watch(long, { intervalMs: 100 })) last = status;
    expect(last?.state).toBe('cancelled');
    expect((await session.exec(['ps', '-eo', 'args='])).stdout).not.toContain('sleep 302.5');
    expect(isMedaasError(await direct.status('-1').catch((e: unknown) => e), 'SCHED_INVALID_JOB_ID')).toBe(true);
  });
});
