import { ClusterSshError } from './errors.js';
import type { ExecResult } from './exec.js';
import { formatWalltime, type JobSpec } from './job-script.js';
import type { BatchAdapter } from './batch-adapter.js';
import type { JobState, JobStatus } from './job.js';

/** PBS Pro's exit status of a job it killed for exceeding its walltime. */
const PBS_WALLTIME_EXIT = -29;
/** A job ended by `qdel` exits with 256 + SIGTERM. */
const PBS_DELETED_EXIT = 271;

/**
 * The normalised state of a PBS job from its `job_state` letter, exit status and comment. Finished jobs
 * (`F`, or `X` for sub-jobs) are told apart by `Exit_status`: 0 succeeded, -29 or a walltime comment
 * timed out, 271 or a deletion comment cancelled, anything else failed.
 *
 * @example
 * ```ts
 * pbsState('F', 0); // 'succeeded'
 * ```
 */
export function pbsState(letter: string, exitStatus?: number, comment = ''): JobState {
  switch (letter.trim().toUpperCase()) {
    case 'R':
    case 'E':
    case 'B':
      return 'running';
    case 'F':
    case 'X':
      if (exitStatus === PBS_WALLTIME_EXIT || /walltime/i.test(comment)) return 'timed-out';
      if (exitStatus === PBS_DELETED_EXIT || /deleted|qdel/i.test(comment)) return 'cancelled';
      return exitStatus === 0 ? 'succeeded' : 'failed';
    default:
      // Q, H, W, T, M, S, U: waiting, held, moving or suspended.
      return 'queued';
  }
}

function toStatus(id: string, attrs: Readonly<Record<string, unknown>>): JobStatus {
  const letter = String(attrs['job_state'] ?? '');
  if (!/^[A-Z]$/i.test(letter)) throw new ClusterSshError('SCHED_PARSE_FAILED', `qstat gave no job_state for ${id}`, { details: { id } });
  const exitRaw = attrs['Exit_status'];
  const exitStatus = exitRaw === undefined || exitRaw === '' ? undefined : Number(exitRaw);
  const comment = typeof attrs['comment'] === 'string' ? attrs['comment'] : '';
  const state = pbsState(letter, Number.isFinite(exitStatus) ? exitStatus : undefined, comment);
  const status: { -readonly [K in keyof JobStatus]: JobStatus[K] } = {
    id,
    state,
    rawState: letter,
    terminal: state !== 'queued' && state !== 'running',
  };
  if (status.terminal && exitStatus !== undefined && Number.isFinite(exitStatus)) status.exitCode = exitStatus;
  // exec_host is "node/slot*ncpus+node2/slot": the first node runs the job script.
  const host = typeof attrs['exec_host'] === 'string' ? attrs['exec_host'].split('+')[0]?.split('/')[0] : undefined;
  if (host) status.node = host;
  if (comment) status.reason = comment;
  return status;
}

/**
 * Parses `qstat -f` output in either PBS Pro form: JSON (`-F json`) or the classic text blocks
 * (`Job Id: ...` then `    key = value`, long values continued on tab-indented lines). Returns the
 * status of each job by id.
 *
 * @throws {ClusterSshError} `SCHED_PARSE_FAILED` for output in neither form.
 * @example
 * ```ts
 * parseQstat(stdout).get('1234.pbs01')?.state; // 'running'
 * ```
 */
export function parseQstat(stdout: string): Map<string, JobStatus> {
  const out = new Map<string, JobStatus>();
  const text = stdout.trim();
  if (text === '') return out;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ClusterSshError('SCHED_PARSE_FAILED', 'qstat printed malformed JSON', { cause: error });
    }
    const jobs = (parsed as { Jobs?: unknown }).Jobs;
    if (jobs === undefined) return out;
    if (typeof jobs !== 'object' || jobs === null || Array.isArray(jobs))
      throw new ClusterSshError('SCHED_PARSE_FAILED', 'qstat JSON has no Jobs object');
    for (const [id, attrs] of Object.entries(jobs as Record<string, unknown>)) {
      if (typeof attrs !== 'object' || attrs === null)
        throw new ClusterSshError('SCHED_PARSE_FAILED', `qstat JSON job ${id} is not an object`);
      out.set(id, toStatus(id, attrs as Record<string, unknown>));
    }
    return out;
  }
  let id: string | undefined;
  let attrs: Record<string, string> = {};
  let lastKey: string | undefined;
  const flush = (): void => {
    if (id !== undefined) out.set(id, toStatus(id, attrs));
  };
  for (const line of text.split(/\r?\n/)) {
    const head = /^Job Id:\s*(\S+)\s*$/.exec(line);
    if (head?.[1]) {
      flush();
      id = head[1];
      attrs = {};
      lastKey = undefined;
      continue;
    }
    const pair = /^\s+([A-Za-z_][\w.]*)\s=\s?(.*)$/.exec(line);
    if (pair?.[1] !== undefined && id !== undefined) {
      lastKey = pair[1];
      attrs[lastKey] = pair[2] ?? '';
    } else if (/^\t/.test(line) && lastKey !== undefined) {
      attrs[lastKey] += line.trim();
    } else if (line.trim() !== '') {
      throw new ClusterSshError('SCHED_PARSE_FAILED', `unexpected qstat line: ${JSON.stringify(line.slice(0, 200))}`, {
        details: { line: line.slice(0, 200) },
      });
    }
  }
  flush();
  return out;
}

/**
 * Parses `qsub` output: the job id (`1234.server`) on the last line.
 *
 * @throws {ClusterSshError} `SCHED_PARSE_FAILED` when there is no job id.
 * @example
 * ```ts
 * parseQsubOutput('8765.pbs01\n'); // '8765.pbs01'
 * ```
 */
export function parseQsubOutput(stdout: string): string {
  const last = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^\d+(\[\d*\])?(\.[A-Za-z0-9_.-]+)?$/.test(last))
    throw new ClusterSshError('SCHED_PARSE_FAILED', `qsub printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`);
  return last;
}

/**
 * The PBS Pro / OpenPBS adapter: qsub, qstat -x -f -F json, qdel. PBS jobs run with umask 077 unless told
 * otherwise (`-W umask`), which is the SDK's default too, so `-W umask=` is passed only for another umask.
 */
export function pbsAdapter(binDir?: string): BatchAdapter {
  const bin = (name: string): string => (binDir ? `${binDir.replace(/\/$/, '')}/${name}` : name);
  return {
    kind: 'pbs',
    submitArgv(spec: JobSpec, outputPath: string) {
      // qsub reads `-o host:path`: a colon would send the output to a host named by the path's start.
      if (outputPath.includes(':')) {
        throw new ClusterSshError(
          'SCHED_INVALID_SPEC',
          `PBS reads the output path ${JSON.stringify(outputPath)} as host:path; choose one without ':'`,
          {
            details: { field: 'outputPath', value: outputPath },
          },
        );
      }
      const argv = [bin('qsub'), '-N', spec.name, '-o', outputPath, '-j', 'oe'];
      if (spec.umask !== undefined && spec.umask !== 0o077) argv.push('-W', `umask=${spec.umask.toString(8).padStart(3, '0')}`);
      if (spec.partition !== undefined) argv.push('-q', spec.partition);
      if (spec.account !== undefined) argv.push('-A', spec.account);
      if (spec.walltimeSec !== undefined) argv.push('-l', `walltime=${formatWalltime(spec.walltimeSec)}`);
      const select = [String(spec.nodes ?? 1)];
      if (spec.cpus !== undefined) select.push(`ncpus=${spec.cpus}`);
      if (spec.gpus !== undefined && spec.gpus > 0) select.push(`ngpus=${spec.gpus}`);
      if (spec.memoryMb !== undefined) select.push(`mem=${spec.memoryMb}mb`);
      if (select.length > 1 || spec.nodes !== undefined) argv.push('-l', `select=${select.join(':')}`);
      argv.push(...(spec.extraArgs ?? []));
      return argv;
    },
    parseSubmit: parseQsubOutput,
    // `--` ends the options: an id can never be read as one (ids are checked before, too).
    statusArgv: (id) => [bin('qstat'), '-x', '-f', '-F', 'json', '--', id],
    parseStatus(id: string, result: ExecResult) {
      if (result.exitCode !== 0) return undefined;
      const jobs = parseQstat(result.stdout);
      return jobs.get(id) ?? [...jobs.values()].find((job) => job.id.split('.')[0] === id.split('.')[0]);
    },
    cancelArgv: (id) => [bin('qdel'), '--', id],
    alreadyEnded: (result) => /job has finished|request invalid for state of job/i.test(result.stderr),
  };
}
