import { quoteShell, type JobSpec, type SchedulerKind } from '@medaas/cluster-ssh';
import { TrainingError } from './errors.js';

/** What the job runs: Clara's command scripts, or the MMAR's export step. */
export type TrainingMode = 'train' | 'finetune' | 'train-multi-gpu' | 'export';

/** A container the command runs in, as the seed's `start_clara_4.sh` runs Clara: Singularity/Apptainer with GPUs. */
export interface TrainingContainer {
  readonly image: string;
  /** Default `singularity`. */
  readonly runtime?: 'singularity' | 'apptainer';
  readonly binds?: readonly { readonly host: string; readonly container: string; readonly readOnly?: boolean }[];
  /** Pass the GPUs through (`--nv`). Default true. */
  readonly nv?: boolean;
  /** The MMAR folder as the container sees it. Default: the same path as on the host. */
  readonly mmarDir?: string;
}

/** Options of {@link renderTrainingScript} (and the script part of `submitTraining`). */
export interface TrainingScriptOptions {
  /** The MMAR folder where the job runs. */
  readonly mmarDir: string;
  /** Default `train`. */
  readonly mode?: TrainingMode;
  /** GPUs per node. `train-multi-gpu` needs at least 2 on one node, or nodes > 1. Default 1 (0 for a custom command). */
  readonly gpus?: number;
  /** Nodes; more than one needs Slurm (`srun` starts one launcher per node). Default 1. */
  readonly nodes?: number;
  /** The checkpoint `finetune` starts from (passed as `MMAR_CKPT`). Default: the MMAR's own `models/model.pt`. */
  readonly checkpoint?: string;
  /** Further `--set` overrides for Clara's scripts, e.g. `['epochs=100', 'learning_rate=1e-4']`. */
  readonly args?: readonly string[];
  /** A command instead of Clara's script (e.g. the testkit `fit` trainer); `{mmar}` is replaced by the MMAR folder. */
  readonly command?: readonly string[];
  readonly container?: TrainingContainer;
}

const SCRIPTS: Record<TrainingMode, string> = {
  train: 'train.sh',
  finetune: 'finetune.sh',
  'train-multi-gpu': 'train_multi_gpu.sh',
  export: 'export.sh',
};

function fail(message: string, details: Record<string, unknown>): never {
  throw new TrainingError('TRAINING_INVALID_OPTIONS', message, { details });
}

/**
 * Checks training options against each other and the scheduler, before anything is submitted.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` naming the bad option (e.g. several nodes on PBS).
 * @example
 * ```ts
 * checkTrainingOptions({ mmarDir: '/scratch/mmar', mode: 'train-multi-gpu', gpus: 2 }, 'slurm');
 * ```
 */
export function checkTrainingOptions(options: TrainingScriptOptions, scheduler: SchedulerKind): void {
  const mode = options.mode ?? 'train';
  if (!(mode in SCRIPTS)) fail(`unknown training mode ${JSON.stringify(mode)}`, { mode });
  if (typeof options.mmarDir !== 'string' || !options.mmarDir.startsWith('/')) fail('mmarDir must be an absolute path where the job runs', { mmarDir: options.mmarDir });
  const gpus = options.gpus ?? 1;
  const nodes = options.nodes ?? 1;
  if (!Number.isInteger(gpus) || gpus < 0) fail('gpus must be a whole number >= 0', { gpus });
  if (!Number.isInteger(nodes) || nodes < 1) fail('nodes must be a whole number >= 1', { nodes });
  if (nodes > 1 && scheduler !== 'slurm') fail(`training on ${nodes} nodes needs Slurm; ${scheduler} runs one node per job here`, { nodes, scheduler });
  if (mode === 'train-multi-gpu' && gpus * nodes < 2) fail('train-multi-gpu needs 2 or more GPUs in all', { gpus, nodes });
  if (options.command !== undefined && (!Array.isArray(options.command) || options.command.length === 0)) fail('command must be a non-empty list of arguments', {});
}

/**
 * The body of a training job script: into the MMAR's `commands` folder, then Clara's script for the mode
 * (`train.sh`, `finetune.sh`, `train_multi_gpu.sh`, `export.sh`) or the given command, inside the container
 * when one is set; on several Slurm nodes through `srun` with `MASTER_ADDR`/`NODE_RANK` for PyTorch's
 * launcher. Every value is shell-quoted.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for inconsistent options.
 * @example
 * ```ts
 * renderTrainingScript({ mmarDir: '/scratch/mmar', mode: 'finetune', checkpoint: '/scratch/base/model.pt' }, 'slurm');
 * ```
 */
export function renderTrainingScript(options: TrainingScriptOptions, scheduler: SchedulerKind): string {
  checkTrainingOptions(options, scheduler);
  const mode = options.mode ?? 'train';
  const nodes = options.nodes ?? 1;
  const gpus = options.gpus ?? (options.command ? 0 : 1);
  const container = options.container;
  const inside = container?.mmarDir ?? options.mmarDir;
  let argv: string[];
  if (options.command) {
    argv = options.command.map((a) => a.replaceAll('{mmar}', inside));
  } else {
    const extra = [...(options.args ?? [])];
    if (mode === 'finetune' && options.checkpoint !== undefined) extra.push(`MMAR_CKPT=${options.checkpoint}`);
    argv = ['bash', `${inside}/commands/${SCRIPTS[mode]}`, ...extra];
  }
  let command = argv.map(quoteShell).join(' ');
  if (container) {
    const runtime = container.runtime ?? 'singularity';
    const binds = (container.binds ?? []).map((b) => `-B ${quoteShell(`${b.host}:${b.container}${b.readOnly ? ':ro' : ''}`)}`);
    const inner = `cd ${quoteShell(`${inside}/commands`)} && ${command}`;
    command = [runtime, 'exec', ...(container.nv ?? true ? ['--nv'] : []), ...binds, quoteShell(container.image), 'bash', '-c', quoteShell(inner)].join(' ');
  }
  const lines = [
    'set -o pipefail',
    `export MMAR_ROOT=${quoteShell(inside)}`,
    `export MEDAAS_TRAINING_MODE=${quoteShell(mode)}`,
    `export MEDAAS_GPUS_PER_NODE=${gpus}`,
    `printf 'medaas training: mode %s, %s node(s) x %s GPU(s), MMAR %s\\n' ${mode} ${nodes} ${gpus} ${quoteShell(inside)}`,
    `cd -- ${quoteShell(`${options.mmarDir}/commands`)} 2>/dev/null || cd -- ${quoteShell(options.mmarDir)} || exit 1`,
  ];
  if (nodes > 1) {
    // One launcher per node; PyTorch's distributed launcher meets at the first node of the allocation.
    lines.push(
      'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
      'export MASTER_PORT="${MASTER_PORT:-29500}"',
      `export NNODES=${nodes}`,
      `srun --nodes=${nodes} --ntasks-per-node=1 bash -c ${quoteShell(`export NODE_RANK="$SLURM_NODEID"; ${command}`)}`,
    );
  } else {
    lines.push(command);
  }
  return lines.join('\n');
}

/**
 * The scheduler job spec of a training job: the rendered script plus GPUs, nodes, walltime and the rest of
 * `job`.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for inconsistent options.
 * @example
 * ```ts
 * const spec = trainingJobSpec({ mmarDir: '/scratch/mmar', gpus: 2, mode: 'train-multi-gpu' }, 'slurm', { partition: 'gpu' });
 * ```
 */
export function trainingJobSpec(options: TrainingScriptOptions, scheduler: SchedulerKind, job: Omit<JobSpec, 'script' | 'name'> & { readonly name?: string } = {}): JobSpec {
  const script = renderTrainingScript(options, scheduler);
  const gpus = options.gpus ?? (options.command ? 0 : 1);
  const nodes = options.nodes ?? 1;
  return {
    ...job,
    name: job.name ?? `medaas-${options.mode ?? 'train'}`,
    script,
    ...(gpus > 0 && scheduler !== 'local' ? { gpus } : {}),
    ...(nodes > 1 ? { nodes } : {}),
  };
}
