import { environmentEntry, scriptText, SET_ENV, shellWord, type ResolvedCommandOptions } from './command-script.js';
import { renderClara3Commands } from './commands-clara3.js';
import { MmarError } from './errors.js';
import { detectGeneration, type MmarGeneration } from './generation.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import { mainTrainConfigPath, mmarFilesOf, type MmarInput } from './mmar-archive.js';
import { assertMmarPath, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import type { MmarCommand } from './mmar-command.js';

export type { MmarCommand } from './mmar-command.js';

/** Options of {@link renderCommands}. */
export interface RenderCommandsOptions {
  /** GPUs for `train_multi_gpu.sh` (one process per GPU on one node). Default 2, as Clara's MMARs. */
  readonly gpus?: number;
  /** Passed as `--set epochs=N`, overriding the configuration. Default: not set (the configuration decides). */
  readonly epochs?: number;
  /** Passed as `--set learning_rate=X`. Default: not set. */
  readonly learningRate?: number;
  /** The checkpoint fine-tuning starts from, passed as `--set MMAR_CKPT=...`. Default: `MMAR_CKPT` of environment.json. */
  readonly checkpoint?: string;
  /** The Python interpreter in the Clara container. Default `python3`. */
  readonly python?: string;
  /** The rendezvous port of Clara 4 multi-GPU training. Default 1234. */
  readonly masterPort?: number;
  /** Which scripts to render. Default: all whose configuration exists (validate needs config_validation.json, infer config_inference.json). */
  readonly only?: readonly MmarCommand[];
  /** The training configuration the training scripts run. Default: `config/config_train.json`, else the only one. */
  readonly config?: string;
}

/**
 * The file each command script has in an MMAR of a generation: Clara 3 archives call the fine-tuning
 * script `train_finetune.sh`; otherwise the names are the command's.
 *
 * @example
 * ```ts
 * commandFile('finetune', 'clara3'); // 'commands/train_finetune.sh'
 * ```
 */
export function commandFile(command: MmarCommand, generation: MmarGeneration): string {
  return generation === 'clara3' && command === 'finetune' ? 'commands/train_finetune.sh' : `commands/${command}.sh`;
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`, {
      details: { [name]: value },
    });
  }
}

function generationOf(files: MmarFiles, path: string): MmarGeneration {
  try {
    return detectGeneration('train', toJsonValue(parseJsonSyntax(mmarText(files, path) ?? '', path)));
  } catch {
    return 'unknown'; // validateMmar reports a configuration that is not JSON
  }
}

/** Clara Train 4 (and BYOT archives, which run through the same `medl.apps.train`). */
function renderClara4Commands(files: MmarFiles, options: ResolvedCommandOptions): Record<MmarCommand, string | undefined> {
  const { python, gpus, overrides, trainConfig } = options;
  const app = (name: string): string => `${python} -u -m medl.apps.${name}`;
  const finetuneConfig = Object.hasOwn(files, 'config/config_finetune.json') ? 'config/config_finetune.json' : trainConfig;
  const checkpoint = options.checkpoint ?? environmentEntry(files, 'MMAR_CKPT');
  const ckpt = environmentEntry(files, 'MMAR_CKPT') ?? 'models/model.pt';
  const torchscript = environmentEntry(files, 'MMAR_TORCHSCRIPT') ?? 'models/model.ts';
  const launcher = `${python} -u -m torch.distributed.launch --nproc_per_node=${gpus} --nnodes=1 --node_rank=0 --master_addr="localhost" --master_port=${options.masterPort}`;
  const trainSettings = (multiGpu: boolean, loadCheckpoint: boolean): string[] => [
    'print_conf=True',
    ...overrides,
    `multi_gpu=${multiGpu ? 'True' : 'False'}`,
    `dont_load_ckpt_model=${loadCheckpoint ? 'False' : 'True'}`,
  ];
  const stats = ['--write_train_stats'];
  return {
    set_env: SET_ENV,
    train: scriptText({ config: trainConfig, command: [app('train')], flags: stats, settings: trainSettings(false, false) }),
    train_multi_gpu: scriptText({
      config: trainConfig,
      command: [launcher, '-m medl.apps.train'],
      flags: stats,
      settings: trainSettings(true, false),
    }),
    finetune: scriptText({
      config: finetuneConfig,
      command: [app('train')],
      flags: stats,
      settings: [...trainSettings(false, true), ...(checkpoint === undefined ? [] : [`MMAR_CKPT=${shellWord(checkpoint)}`])],
    }),
    validate: Object.hasOwn(files, MMAR_PATHS.validation)
      ? scriptText({
          config: MMAR_PATHS.validation,
          command: [app('evaluate')],
          settings: ['print_conf=True', 'multi_gpu=False', 'dont_load_ts_model=False', 'dont_load_ckpt_model=True'],
        })
      : undefined,
    infer: Object.hasOwn(files, MMAR_PATHS.inference)
      ? scriptText({
          config: MMAR_PATHS.inference,
          command: [app('evaluate')],
          settings: [
            'print_conf=True',
            'multi_gpu=False',
            'dont_load_ts_model=False',
            'dont_load_ckpt_model=True',
            'output_infer_result=True',
          ],
        })
      : undefined,
    export: scriptText({
      config: trainConfig,
      command: [app('export')],
      flags: [`--model_path "$MMAR_ROOT"/${shellWord(ckpt)}`, `--output_path "$MMAR_ROOT"/${shellWord(torchscript)}`],
      settings: [],
    }),
  };
}

/**
 * Renders the command scripts for an MMAR so that they run where its Clara generation runs, MMAR_ROOT
 * found from the script's own folder and `custom/` on the PYTHONPATH for BYOC: for Clara 4 (and BYOT)
 * `medl.apps.*` with `torch.distributed.launch` for several GPUs; for Clara 3 `nvmidl.apps.*` with
 * Horovod through `mpirun`. Scripts: `set_env.sh`, `train.sh`, `train_multi_gpu.sh` (N GPUs),
 * `finetune.sh` (Clara 3: `train_finetune.sh`, from a checkpoint), `validate.sh`, `infer.sh` and
 * `export.sh`. Returns them by MMAR path, ready to merge into the files; `writeMmar` makes
 * `commands/*.sh` executable.
 *
 * @param mmar - the MMAR (the scripts name its configuration files).
 * @throws {MmarError} `MMAR_MISSING_FILE` when the MMAR has no training configuration (or `config` names
 *   a missing one); `MMAR_AMBIGUOUS_CONFIG` when it has several and none is `config_train.json`;
 *   `MMAR_INVALID_ARGUMENT` for a `gpus`, `epochs` or `masterPort` that is not a positive integer or a
 *   non-positive learning rate; `MMAR_UNSAFE_PATH` for a checkpoint outside the MMAR.
 * @example
 * ```ts
 * const mmar = { ...files, ...renderCommands(files, { gpus: 4 }) };
 * ```
 */
export function renderCommands(mmar: MmarInput, options: RenderCommandsOptions = {}): Record<string, string> {
  const files = mmarFilesOf(mmar);
  const trainConfig = options.config ?? mainTrainConfigPath(files);
  if (!Object.hasOwn(files, trainConfig)) {
    throw new MmarError('MMAR_MISSING_FILE', `${trainConfig} is missing, so there is nothing to train`, { details: { file: trainConfig } });
  }
  assertMmarPath(trainConfig);
  positiveInteger(options.gpus, 'gpus');
  positiveInteger(options.epochs, 'epochs');
  positiveInteger(options.masterPort, 'masterPort');
  if (options.learningRate !== undefined && !(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `learningRate must be a positive number, got ${String(options.learningRate)}`, {
      details: { learningRate: options.learningRate },
    });
  }
  if (options.checkpoint !== undefined) assertMmarPath(options.checkpoint);
  const resolved: ResolvedCommandOptions = {
    trainConfig,
    python: options.python ?? 'python3',
    gpus: options.gpus ?? 2,
    masterPort: options.masterPort ?? 1234,
    overrides: [
      ...(options.epochs === undefined ? [] : [`epochs=${options.epochs}`]),
      ...(options.learningRate === undefined ? [] : [`learning_rate=${options.learningRate}`]),
    ],
    checkpoint: options.checkpoint,
  };
  const generation = generationOf(files, trainConfig);
  const all = generation === 'clara3' ? renderClara3Commands(files, resolved) : renderClara4Commands(files, resolved);
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(all) as [MmarCommand, string | undefined][]) {
    if (text !== undefined && (options.only === undefined || options.only.includes(name))) out[commandFile(name, generation)] = text;
  }
  return out;
}
