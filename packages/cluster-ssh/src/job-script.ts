import { ClusterSshError } from './errors.js';
import { quoteShell } from './shell.js';

/** A batch job as the SDK describes it; each scheduler translates it to its own options. */
export interface JobSpec {
  /** The job name; any printable text (it is passed as one quoted argument). */
  readonly name: string;
  /** The body of the job script (bash). The SDK adds module loads, environment and working directory. */
  readonly script: string;
  /** Slurm partition or PBS queue. */
  readonly partition?: string;
  /** Slurm account or PBS project (`-A`). */
  readonly account?: string;
  /** Wall-clock limit in seconds. */
  readonly walltimeSec?: number;
  readonly nodes?: number;
  readonly gpus?: number;
  /** CPUs for the job's task. */
  readonly cpus?: number;
  readonly memoryMb?: number;
  /** Variables exported by the job script. */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment modules loaded first (`module load NAME`), e.g. `singularity`. */
  readonly modules?: readonly string[];
  /** The folder the script runs in. Default: the login directory. */
  readonly workdir?: string;
  /** Where the job's output goes (stdout and stderr together). Default: a fresh file under `~/.medaas/jobs`. */
  readonly outputPath?: string;
  /** Further scheduler options, passed as quoted arguments (e.g. `['--qos=high']`). */
  readonly extraArgs?: readonly string[];
  /**
   * The umask the job runs with, so the mode of its output file and of every file it writes. Default
   * `0o077`: private to the job's owner. `0o027` lets the owner's group read them.
   */
  readonly umask?: number;
}

// Control characters could end a directive line early or forge a new one.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\0-\x1f\x7f]/;

function text(field: string, value: unknown, max = 256): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value === '' || value.length > max || CONTROL.test(value)) {
    throw new ClusterSshError('SCHED_INVALID_SPEC', `job ${field} must be 1..${max} printable characters`, { details: { field, value } });
  }
}

function count(field: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ClusterSshError('SCHED_INVALID_SPEC', `job ${field} must be an integer >= ${min}`, { details: { field, value } });
  }
}

/**
 * Checks a {@link JobSpec}: names without control characters (a newline could forge a directive),
 * positive counts, valid variable names, module names that cannot be read as options, a umask of 0..0o777.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_SPEC` naming the field.
 * @example
 * ```ts
 * validateJobSpec({ name: 'aiaa', script: 'start_aas.sh', gpus: 1 });
 * ```
 */
export function validateJobSpec(spec: JobSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new ClusterSshError('SCHED_INVALID_SPEC', 'a job spec must be an object');
  text('name', spec.name, 200);
  if (spec.name === undefined) throw new ClusterSshError('SCHED_INVALID_SPEC', 'a job needs a name', { details: { field: 'name' } });
  if (typeof spec.script !== 'string' || spec.script.includes('\0')) {
    throw new ClusterSshError('SCHED_INVALID_SPEC', 'a job needs a script without NUL bytes', { details: { field: 'script' } });
  }
  text('partition', spec.partition);
  text('account', spec.account);
  text('workdir', spec.workdir, 4096);
  text('outputPath', spec.outputPath, 4096);
  count('walltimeSec', spec.walltimeSec, 1);
  count('nodes', spec.nodes, 1);
  count('gpus', spec.gpus, 0);
  count('cpus', spec.cpus, 1);
  count('memoryMb', spec.memoryMb, 1);
  for (const module of spec.modules ?? []) {
    text('modules', module);
    // `module load -x` would read the name as an option.
    if (module.startsWith('-'))
      throw new ClusterSshError('SCHED_INVALID_SPEC', `module name ${JSON.stringify(module)} starts with '-'`, {
        details: { field: 'modules', value: module },
      });
  }
  if (
    spec.umask !== undefined &&
    (typeof spec.umask !== 'number' || !Number.isInteger(spec.umask) || spec.umask < 0 || spec.umask > 0o777)
  ) {
    throw new ClusterSshError('SCHED_INVALID_SPEC', `job umask must be an integer from 0 to 0o777, not ${String(spec.umask)}`, {
      details: { field: 'umask', value: spec.umask },
    });
  }
  for (const arg of spec.extraArgs ?? []) text('extraArgs', arg, 4096);
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new ClusterSshError('SCHED_INVALID_SPEC', `invalid environment variable name ${JSON.stringify(key)}`, {
        details: { field: 'env', key },
      });
    if (typeof value !== 'string' || value.includes('\0'))
      throw new ClusterSshError('SCHED_INVALID_SPEC', `environment variable ${key} must be a string without NUL`, {
        details: { field: 'env', key },
      });
  }
}

/**
 * The full bash job script for a spec: module loads, exported variables and the working directory,
 * every value quoted, then the spec's script.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_SPEC` for an invalid spec.
 * @example
 * ```ts
 * renderJobScript({ name: 'x', script: 'nvidia-smi', modules: ['cuda/12'] });
 * ```
 */
export function renderJobScript(spec: JobSpec): string {
  validateJobSpec(spec);
  const lines = ['#!/bin/bash', `# medaas job ${JSON.stringify(spec.name)}`];
  for (const module of spec.modules ?? []) lines.push(`module load ${quoteShell(module)}`);
  for (const [key, value] of Object.entries(spec.env ?? {})) lines.push(`export ${key}=${quoteShell(value)}`);
  if (spec.workdir !== undefined) lines.push(`cd -- ${quoteShell(spec.workdir)} || exit 1`);
  lines.push(spec.script, '');
  return lines.join('\n');
}

/**
 * `HH:MM:SS` for a number of seconds (hours may exceed 24), the walltime format Slurm and PBS share.
 *
 * @example
 * ```ts
 * formatWalltime(90_061); // '25:01:01'
 * ```
 */
export function formatWalltime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
