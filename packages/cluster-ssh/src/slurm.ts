import { ClusterSshError } from './errors.js';
import type { ExecResult } from './exec.js';
import { formatWalltime, type JobSpec } from './job-script.js';
import type { BatchAdapter } from './batch-adapter.js';
import type { JobState, JobStatus } from './job.js';

const SLURM_STATES: Readonly<Record<string, JobState>> = {
  PENDING: 'queued',
  CONFIGURING: 'queued',
  REQUEUED: 'queued',
  REQUEUE_HOLD: 'queued',
  REQUEUE_FED: 'queued',
  RESV_DEL_HOLD: 'queued',
  SUSPENDED: 'queued',
  STOPPED: 'queued',
  RUNNING: 'running',
  COMPLETING: 'running',
  RESIZING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  NODE_FAIL: 'failed',
  BOOT_FAIL: 'failed',
  OUT_OF_MEMORY: 'failed',
  PREEMPTED: 'failed',
  SPECIAL_EXIT: 'failed',
  REVOKED: 'cancelled',
  CANCELLED: 'cancelled',
  DEADLINE: 'timed-out',
  TIMEOUT: 'timed-out',
};

/**
 * The normalised state of a Slurm job state (`PENDING`, `RUNNING`, `COMPLETED`, `CANCELLED by 1000`,
 * ...). A suspended job counts as queued: it is not making progress. Unknown states count as queued.
 *
 * @example
 * ```ts
 * slurmState('CANCELLED+'); // 'cancelled'
 * ```
 */
export function slurmState(raw: string): JobState {
  const word = raw.trim().split(/[\s+]/)[0]?.toUpperCase() ?? '';
  return SLURM_STATES[word] ?? 'queued';
}

/**
 * The squeue output format the Slurm adapter asks for: id, state, nodes, reason, raw exit status, each
 * ended by `|`. Nothing user-controlled (no job name) is in it, so no value can forge a field.
 */
export const SQUEUE_FORMAT = 'JobID:|,State:|,NodeList:|,Reason:|,exit_code:|';

/**
 * Parses one line of `squeue -h -t all -O` {@link SQUEUE_FORMAT} output for a job.
 *
 * @throws {ClusterSshError} `SCHED_PARSE_FAILED` for a line that is not in that format.
 * @example
 * ```ts
 * parseSqueueLine('42|RUNNING|node17|None|0|'); // { id: '42', state: 'running', node: 'node17', ... }
 * ```
 */
export function parseSqueueLine(line: string): JobStatus {
  const fields = line.trim().split('|');
  const [id, raw, nodes, reason, exit] = fields;
  if (fields.length < 5 || !id || !/^[0-9_+[\]-]+$/.test(id) || !raw || !/^[A-Z_]+$/.test(raw)) {
    throw new ClusterSshError('SCHED_PARSE_FAILED', `unexpected squeue output: ${JSON.stringify(line.slice(0, 200))}`, {
      details: { line: line.slice(0, 200) },
    });
  }
  const state = slurmState(raw);
  const status: { -readonly [K in keyof JobStatus]: JobStatus[K] } = {
    id,
    state,
    rawState: raw,
    terminal: state !== 'queued' && state !== 'running',
  };
  // squeue shows the wait status: the exit code in the high byte, a killing signal in the low bits.
  if (status.terminal && exit !== undefined && /^\d+$/.test(exit)) {
    const value = Number(exit);
    status.exitCode = value & 0x7f ? 128 + (value & 0x7f) : value >> 8;
  }
  if (nodes && nodes !== '(null)' && nodes !== 'n/a') status.node = nodes.split(',')[0] ?? nodes;
  if (reason && reason !== 'None' && reason !== '(null)') status.reason = reason;
  return status;
}

/**
 * Parses `sbatch --parsable` output: `ID` or `ID;CLUSTER`, possibly after warning lines.
 *
 * @throws {ClusterSshError} `SCHED_PARSE_FAILED` when there is no job id.
 * @example
 * ```ts
 * parseSbatchOutput('1234;cluster\n'); // '1234'
 * ```
 */
export function parseSbatchOutput(stdout: string): string {
  const last = stdout.trim().split('\n').pop()?.trim() ?? '';
  const match = /^(\d+)(?:;\S+)?$/.exec(last);
  if (!match?.[1]) throw new ClusterSshError('SCHED_PARSE_FAILED', `sbatch printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`);
  return match[1];
}

/**
 * The `--output` argument for a path taken literally. sbatch reads it as a filename pattern: `%j`, `%u`,
 * `%x`... are replaced and `%%` is a `%`, unless the path has a backslash, which turns replacements off and
 * escapes the character after it (`\\` is one backslash). So a path without backslashes has its `%`
 * doubled, one with backslashes has them doubled (its `%` are then literal); both as sbatch 22.05 was
 * seen to create them.
 *
 * @example
 * ```ts
 * slurmOutputPattern('/scratch/ana/100%/run-%j.log'); // '/scratch/ana/100%%/run-%%j.log'
 * ```
 */
export function slurmOutputPattern(path: string): string {
  return path.includes('\\') ? path.replaceAll('\\', '\\\\') : path.replaceAll('%', '%%');
}

/** The Slurm adapter: sbatch, squeue, scancel. */
export function slurmAdapter(binDir?: string): BatchAdapter {
  const bin = (name: string): string => (binDir ? `${binDir.replace(/\/$/, '')}/${name}` : name);
  return {
    kind: 'slurm',
    submitArgv(spec: JobSpec, outputPath: string) {
      const argv = [
        bin('sbatch'),
        '--parsable',
        `--job-name=${spec.name}`,
        `--output=${slurmOutputPattern(outputPath)}`,
        '--open-mode=append',
      ];
      if (spec.partition !== undefined) argv.push(`--partition=${spec.partition}`);
      if (spec.account !== undefined) argv.push(`--account=${spec.account}`);
      if (spec.walltimeSec !== undefined) argv.push(`--time=${formatWalltime(spec.walltimeSec)}`);
      if (spec.nodes !== undefined) argv.push(`--nodes=${spec.nodes}`);
      if (spec.cpus !== undefined) argv.push(`--cpus-per-task=${spec.cpus}`);
      if (spec.memoryMb !== undefined) argv.push(`--mem=${spec.memoryMb}M`);
      if (spec.gpus !== undefined && spec.gpus > 0) argv.push(`--gres=gpu:${spec.gpus}`);
      if (spec.workdir !== undefined) argv.push(`--chdir=${spec.workdir}`);
      argv.push(...(spec.extraArgs ?? []));
      return argv;
    },
    parseSubmit: parseSbatchOutput,
    statusArgv: (id) => [bin('squeue'), '-h', '-t', 'all', `--jobs=${id}`, '-O', SQUEUE_FORMAT],
    parseStatus(id: string, result: ExecResult) {
      if (result.exitCode !== 0) return undefined;
      const line = result.stdout.split('\n').find((l) => l.startsWith(`${id}|`));
      return line === undefined ? undefined : parseSqueueLine(line);
    },
    // `--` ends the options: an id can never be read as one (ids are checked before, too).
    cancelArgv: (id) => [bin('scancel'), '--', id],
    alreadyEnded: (result) => /already completing or completed|job has finished/i.test(result.stderr),
  };
}
