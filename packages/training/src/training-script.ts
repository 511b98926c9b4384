import { quoteShell, type JobSpec, type SchedulerKind } from '@medaas/cluster-ssh';
import { checkBundleOptions, type BundleScriptOptions } from './bundle-script.js';
import { TrainingError } from './errors.js';
import type { CommonTrainingScriptOptions, TrainingMode } from './training-options.js';

export type { TrainingMode, TrainingContainer, CommonTrainingScriptOptions } from './training-options.js';

/** Training from a Clara MMAR: its command scripts. */
export interface MmarTrainingScriptOptions extends CommonTrainingScriptOptions {
  /** The MMAR folder where the job runs. */
  readonly mmarDir: string;
  /** The checkpoint `finetune` starts from (passed as `MMAR_CKPT`). Default: the MMAR's own `models/model.pt`. */
  readonly checkpoint?: string;
  /** Further `--set` overrides for Clara's scripts, e.g. `['epochs=100', 'learning_rate=1e-4']`. */
  readonly args?: readonly string[];
}

/** Options of {@link renderTrainingScript} (and the script part of `submitTraining`): an MMAR or a MONAI bundle. */
export type TrainingScriptOptions = MmarTrainingScriptOptions | BundleScriptOptions;

/** Whether the options train a MONAI bundle rather than an MMAR. */
export function isBundleTraining(options: TrainingScriptOptions): options is BundleScriptOptions {
  return typeof (options as { bundleDir?: unknown }).bundleDir === 'string';
}

/** The folder the job runs in: the MMAR or the bundle. */
export function archiveDirOf(options: TrainingScriptOptions): string {
  return isBundleTraining(options) ? options.bundleDir : options.mmarDir;
}

const SCRIPTS: Record<TrainingMode, string> = {
  train: 'train.sh',
  finetune: 'finetune.sh',
  'train-multi-gpu': 'train_multi_gpu.sh',
  evaluate: 'validate.sh',
  export: 'export.sh',
};

/** GPUs per node when none are given: a MONAI run or Clara's scripts want one, a custom MMAR command none. */
function gpusOf(options: TrainingScriptOptions): number {
  return options.gpus ?? (isBundleTraining(options) || options.command === undefined ? 1 : 0);
}

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
  const bundle = isBundleTraining(options);
  const dir = archiveDirOf(options);
  const key = bundle ? 'bundleDir' : 'mmarDir';
  if (typeof dir !== 'string' || !dir.startsWith('/')) fail(`${key} must be an absolute path where the job runs`, { [key]: dir });
  if (bundle && (options.nodes ?? 1) > 1)
    fail('a bundle trains on one node here (torchrun --standalone); use several GPUs on it', { nodes: options.nodes });
  const gpus = options.gpus ?? 1;
  const nodes = options.nodes ?? 1;
  if (!Number.isInteger(gpus) || gpus < 0) fail('gpus must be a whole number >= 0', { gpus });
  if (!Number.isInteger(nodes) || nodes < 1) fail('nodes must be a whole number >= 1', { nodes });
  if (nodes > 1 && scheduler !== 'slurm')
    fail(`training on ${nodes} nodes needs Slurm; ${scheduler} runs one node per job here`, { nodes, scheduler });
  if (mode === 'train-multi-gpu' && gpus * nodes < 2) fail('train-multi-gpu needs 2 or more GPUs in all', { gpus, nodes });
  if (options.command !== undefined && (!Array.isArray(options.command) || options.command.length === 0))
    fail('command must be a non-empty list of arguments', {});
  if (bundle) checkBundleOptions(options, mode);
}

/**
 * The body of a training job script. For an MMAR: into its `commands` folder, then Clara's script for the
 * mode (`train.sh`, `finetune.sh` — Clara 3's `train_finetune.sh` when that is what the MMAR has —,
 * `train_multi_gpu.sh`, `validate.sh`, `export.sh`), on several Slurm nodes through `srun` with
 * `MASTER_ADDR`/`NODE_RANK` for PyTorch's launcher. For a MONAI bundle: into the bundle folder, then its
 * command (MONAI's, as `renderBundleCommand` of `@medaas/mmar/bundle` renders it). Or the given command;
 * inside the container when one is set. Every value is shell-quoted.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for inconsistent options (for a bundle also: no
 *   command, a fine-tuning run whose bundle loads no checkpoint).
 * @example
 * ```ts
 * renderTrainingScript({ mmarDir: '/scratch/mmar', mode: 'finetune', checkpoint: '/scratch/base/model.pt' }, 'slurm');
 * renderTrainingScript({ bundleDir: '/scratch/spleen_ct_segmentation', mode: 'train-multi-gpu', gpus: 4, command: renderBundleCommand({ bundleDir, mode: 'training', gpus: 4 }).argv }, 'slurm');
 * ```
 */
export function renderTrainingScript(options: TrainingScriptOptions, scheduler: SchedulerKind): string {
  checkTrainingOptions(options, scheduler);
  const mode = options.mode ?? 'train';
  const nodes = options.nodes ?? 1;
  const gpus = gpusOf(options);
  const container = options.container;
  const bundle = isBundleTraining(options);
  const hostDir = archiveDirOf(options);
  const inside = container?.mmarDir ?? hostDir;
  let argv: string[];
  // A script run with `bash` needs no shell words; one chosen at run time (Clara 3's names) is a shell line.
  let scriptLine: string | undefined;
  if (isBundleTraining(options) || options.command) {
    // A bundle always has its command (checked above): MONAI's, rendered by the caller with @medaas/mmar.
    argv = (options.command ?? []).map((a) => a.replaceAll('{mmar}', inside).replaceAll('{bundle}', inside));
  } else {
    const extra = [...(options.args ?? [])];
    if (mode === 'finetune' && options.checkpoint !== undefined) extra.push(`MMAR_CKPT=${options.checkpoint}`);
    argv = ['bash', `${inside}/commands/${SCRIPTS[mode]}`, ...extra];
    if (mode === 'finetune') {
      // Clara 3 archives call the fine-tuning script train_finetune.sh.
      const words = extra.map(quoteShell).join(' ');
      const dir = quoteShell(`${inside}/commands`);
      scriptLine = `if [ -f ${dir}/finetune.sh ]; then bash ${dir}/finetune.sh ${words}; else bash ${dir}/train_finetune.sh ${words}; fi`;
    }
  }
  let command = scriptLine ?? argv.map(quoteShell).join(' ');
  if (container) {
    const runtime = container.runtime ?? 'singularity';
    const binds = (container.binds ?? []).map((b) => `-B ${quoteShell(`${b.host}:${b.container}${b.readOnly ? ':ro' : ''}`)}`);
    const inner = `cd ${quoteShell(bundle ? inside : `${inside}/commands`)} && ${command}`;
    command = [
      runtime,
      'exec',
      ...((container.nv ?? true) ? ['--nv'] : []),
      ...binds,
      quoteShell(container.image),
      'bash',
      '-c',
      quoteShell(inner),
    ].join(' ');
  }
  const lines = [
    'set -o pipefail',
    bundle ? `export BUNDLE_ROOT=${quoteShell(inside)}` : `export MMAR_ROOT=${quoteShell(inside)}`,
    `export MEDAAS_TRAINING_MODE=${quoteShell(mode)}`,
    `export MEDAAS_GPUS_PER_NODE=${gpus}`,
    `printf 'medaas training: mode %s, %s node(s) x %s GPU(s), ${bundle ? 'bundle' : 'MMAR'} %s\\n' ${mode} ${nodes} ${gpus} ${quoteShell(inside)}`,
    // MONAI bundles resolve their paths from the bundle folder ("bundle_root": "."); Clara's scripts from commands/.
    bundle
      ? `cd -- ${quoteShell(hostDir)} || exit 1`
      : `cd -- ${quoteShell(`${hostDir}/commands`)} 2>/dev/null || cd -- ${quoteShell(hostDir)} || exit 1`,
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
export function trainingJobSpec(
  options: TrainingScriptOptions,
  scheduler: SchedulerKind,
  job: Omit<JobSpec, 'script' | 'name'> & { readonly name?: string } = {},
): JobSpec {
  const script = renderTrainingScript(options, scheduler);
  const gpus = gpusOf(options);
  const nodes = options.nodes ?? 1;
  return {
    ...job,
    name: job.name ?? `medaas-${options.mode ?? 'train'}`,
    script,
    ...(gpus > 0 && scheduler !== 'local' ? { gpus } : {}),
    ...(nodes > 1 ? { nodes } : {}),
  };
}
