import { MmarError } from './errors.js';
import { assertMmarPath, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';

/** The command scripts of an MMAR, by name without `.sh`. */
export type MmarCommand = 'set_env' | 'train' | 'train_multi_gpu' | 'finetune' | 'validate' | 'infer' | 'export';

/** Options of {@link renderCommands}. */
export interface RenderCommandsOptions {
  /** GPUs for `train_multi_gpu.sh` (torch.distributed on one node). Default 2, as Clara's MMARs. */
  readonly gpus?: number;
  /** Passed as `--set epochs=N`, overriding the configuration. Default: not set (the configuration decides). */
  readonly epochs?: number;
  /** Passed as `--set learning_rate=X`. Default: not set. */
  readonly learningRate?: number;
  /** The checkpoint `finetune.sh` starts from, passed as `--set MMAR_CKPT=...`. Default: `MMAR_CKPT` of environment.json. */
  readonly checkpoint?: string;
  /** The Python interpreter in the Clara container. Default `python3`. */
  readonly python?: string;
  /** The rendezvous port of multi-GPU training. Default 1234. */
  readonly masterPort?: number;
  /** Which scripts to render. Default: all whose configuration exists (validate needs config_validation.json, infer config_inference.json). */
  readonly only?: readonly MmarCommand[];
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a word for bash; config paths come from the MMAR, so they are quoted rather than trusted. */
function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`, { details: { [name]: value } });
  }
}

function environmentEntry(files: MmarFiles, key: string): string | undefined {
  const text = mmarText(files, MMAR_PATHS.environment);
  if (text === undefined) return undefined;
  try {
    const value = (toJsonValue(parseJsonSyntax(text)) as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // validateMmar reports the malformed file; scripts fall back to the defaults
  }
}

const SET_ENV = `#!/usr/bin/env bash
# Sourced by the other scripts. MMAR_ROOT is the folder above commands/, wherever the MMAR is mounted;
# custom/ holds Bring-Your-Own-Component modules and /opt/nvidia the Clara Train libraries.
DIR="$( cd "$( dirname "\${BASH_SOURCE[0]}" )" && pwd )"
export MMAR_ROOT="$( cd "\${DIR}/.." && pwd )"
export PYTHONPATH="\${PYTHONPATH:+\${PYTHONPATH}:}/opt/nvidia:\${MMAR_ROOT}/custom"
`;

interface ScriptSpec {
  readonly config: string;
  readonly app: 'train' | 'evaluate' | 'export';
  readonly launcher?: string;
  readonly flags?: readonly string[];
  readonly settings: readonly string[];
}

function script(spec: ScriptSpec, python: string): string {
  const command = spec.launcher ? [`${python} -u -m torch.distributed.launch ${spec.launcher}`, `-m medl.apps.${spec.app}`] : [`${python} -u -m medl.apps.${spec.app}`];
  const lines = [...command, '-m "$MMAR_ROOT"', '-c "$CONFIG_FILE"', '-e "$ENVIRONMENT_FILE"', ...(spec.flags ?? [])];
  if (spec.settings.length > 0) lines.push('--set', ...spec.settings);
  lines.push('${additional_options}');
  return `#!/usr/bin/env bash
my_dir="$(dirname "$0")"
. "$my_dir/set_env.sh"

echo "MMAR_ROOT set to $MMAR_ROOT"
# Extra arguments are appended to the settings, e.g. epochs=10
additional_options="$*"

CONFIG_FILE=${shellWord(spec.config)}
ENVIRONMENT_FILE=${shellWord(MMAR_PATHS.environment)}

${lines.join(' \\\n    ')}
`;
}

/**
 * Renders the command scripts for an MMAR so that they run where Clara Train 4 runs (the Clara container,
 * `medl.apps.*`, MMAR_ROOT found from the script's own folder, `custom/` on the PYTHONPATH for BYOC):
 * `set_env.sh`, `train.sh`, `train_multi_gpu.sh` (N GPUs), `finetune.sh` (from a checkpoint),
 * `validate.sh`, `infer.sh` and `export.sh` (checkpoint to TorchScript). Returns them by MMAR path, ready to
 * merge into the files; `writeMmar` makes `commands/*.sh` executable.
 *
 * @param files - the MMAR (the scripts name its configuration files).
 * @throws {MmarError} `MMAR_MISSING_FILE` when `config/config_train.json` is absent, `MMAR_INVALID_ARGUMENT`
 *   for a `gpus`, `epochs` or `masterPort` that is not a positive integer or a non-positive learning rate.
 * @example
 * ```ts
 * const mmar = { ...files, ...renderCommands(files, { gpus: 4 }) };
 * ```
 */
export function renderCommands(files: MmarFiles, options: RenderCommandsOptions = {}): Record<string, string> {
  if (!Object.hasOwn(files, MMAR_PATHS.train)) {
    throw new MmarError('MMAR_MISSING_FILE', `${MMAR_PATHS.train} is missing, so there is nothing to train`, { details: { file: MMAR_PATHS.train } });
  }
  positiveInteger(options.gpus, 'gpus');
  positiveInteger(options.epochs, 'epochs');
  positiveInteger(options.masterPort, 'masterPort');
  if (options.learningRate !== undefined && !(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `learningRate must be a positive number, got ${String(options.learningRate)}`, { details: { learningRate: options.learningRate } });
  }
  if (options.checkpoint !== undefined) assertMmarPath(options.checkpoint);
  const python = options.python ?? 'python3';
  const gpus = options.gpus ?? 2;
  const overrides = [
    ...(options.epochs === undefined ? [] : [`epochs=${options.epochs}`]),
    ...(options.learningRate === undefined ? [] : [`learning_rate=${options.learningRate}`]),
  ];
  const finetuneConfig = Object.hasOwn(files, 'config/config_finetune.json') ? 'config/config_finetune.json' : MMAR_PATHS.train;
  const checkpoint = options.checkpoint ?? environmentEntry(files, 'MMAR_CKPT');
  const ckpt = environmentEntry(files, 'MMAR_CKPT') ?? 'models/model.pt';
  const torchscript = environmentEntry(files, 'MMAR_TORCHSCRIPT') ?? 'models/model.ts';
  const launcher = `--nproc_per_node=${gpus} --nnodes=1 --node_rank=0 --master_addr="localhost" --master_port=${options.masterPort ?? 1234}`;
  const trainSettings = (multiGpu: boolean, loadCheckpoint: boolean): string[] => [
    'print_conf=True',
    ...overrides,
    `multi_gpu=${multiGpu ? 'True' : 'False'}`,
    `dont_load_ckpt_model=${loadCheckpoint ? 'False' : 'True'}`,
  ];
  const all: Record<MmarCommand, string | undefined> = {
    set_env: SET_ENV,
    train: script({ config: MMAR_PATHS.train, app: 'train', flags: ['--write_train_stats'], settings: trainSettings(false, false) }, python),
    train_multi_gpu: script({ config: MMAR_PATHS.train, app: 'train', launcher, flags: ['--write_train_stats'], settings: trainSettings(true, false) }, python),
    finetune: script(
      {
        config: finetuneConfig,
        app: 'train',
        flags: ['--write_train_stats'],
        settings: [...trainSettings(false, true), ...(checkpoint === undefined ? [] : [`MMAR_CKPT=${shellWord(checkpoint)}`])],
      },
      python,
    ),
    validate: Object.hasOwn(files, MMAR_PATHS.validation)
      ? script({ config: MMAR_PATHS.validation, app: 'evaluate', settings: ['print_conf=True', 'multi_gpu=False', 'dont_load_ts_model=False', 'dont_load_ckpt_model=True'] }, python)
      : undefined,
    infer: Object.hasOwn(files, MMAR_PATHS.inference)
      ? script({ config: MMAR_PATHS.inference, app: 'evaluate', settings: ['print_conf=True', 'multi_gpu=False', 'dont_load_ts_model=False', 'dont_load_ckpt_model=True', 'output_infer_result=True'] }, python)
      : undefined,
    export: script(
      { config: MMAR_PATHS.train, app: 'export', flags: [`--model_path "$MMAR_ROOT"/${shellWord(ckpt)}`, `--output_path "$MMAR_ROOT"/${shellWord(torchscript)}`], settings: [] },
      python,
    ),
  };
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(all)) {
    if (text !== undefined && (options.only === undefined || options.only.includes(name as MmarCommand))) out[`commands/${name}.sh`] = text;
  }
  return out;
}
