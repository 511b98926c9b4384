import { MmarError } from '../errors.js';
import { resolveBundle, type Bundle } from './bundle.js';
import { BUNDLE_PATHS } from './bundle-files.js';
import { findConfig } from './stacks.js';

/** What a bundle command does. `evaluating` runs the trained model on the validation data with `evaluate`. */
export type BundleCommandMode = 'training' | 'evaluating' | 'inference' | 'export';

/** A command-line override value: `--key value`. Lists and objects are written as Python literals. */
export type BundleOverrideValue =
  string | number | boolean | null | readonly BundleOverrideValue[] | { readonly [key: string]: BundleOverrideValue };

/** Options of {@link renderBundleCommand}. */
export interface RenderBundleCommandOptions {
  /** The bundle folder on the machine that runs the command; the command runs there (`cwd`). */
  readonly bundleDir: string;
  readonly mode: BundleCommandMode;
  /** GPUs on one node; more than 1 launches `torchrun --standalone --nnodes=1 --nproc_per_node=N`. Default 1. */
  readonly gpus?: number;
  /** The bundle, to pick its configuration files (`.json` or `.yaml`), run id and logging file. */
  readonly bundle?: Bundle;
  /** The configuration files, in order; default per mode (see the README). */
  readonly configFiles?: readonly string[];
  /** Overrides passed as `--key value` (`{ epochs: 10, dataset_dir: '/data' }`). */
  readonly overrides?: Readonly<Record<string, BundleOverrideValue>>;
  /**
   * The id MONAI runs. Default: with `bundle`, none when the configuration has `run` (MONAI 1.2+ workflows),
   * else `training` / `evaluating`; without `bundle`, `training` / `evaluating`.
   */
  readonly runId?: string;
  /** The Python interpreter. Default `python`. */
  readonly python?: string;
  /** The launcher for several GPUs. Default `torchrun`. */
  readonly torchrun?: string;
  /** Export: the network id. Default `network_def`. */
  readonly networkId?: string;
  /** Export: the checkpoint. Default `models/model.pt`. */
  readonly checkpoint?: string;
  /** Export: the TorchScript file written. Default `models/model.ts`. */
  readonly exportFile?: string;
}

/** A rendered command. */
export interface BundleCommand {
  /** The argument vector, for an exec that takes one (no shell). */
  readonly argv: readonly string[];
  /** The argv as one shell-quoted line. */
  readonly command: string;
  /** The folder to run it in (the bundle folder). */
  readonly cwd: string;
  /** `cd <bundleDir> && <command>`, for a job script. */
  readonly line: string;
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a word for a POSIX shell: as is when safe, in double quotes when it holds single quotes but nothing
 * a shell expands inside double quotes (MONAI's `"['a.json','b.json']"`), in single quotes otherwise.
 */
export function quoteShellWord(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  if (word.includes("'") && !/["$`\\!\n]/.test(word)) return `"${word}"`;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A value as Python's `ast.literal_eval` (which MONAI's command line uses) reads it. */
function pythonLiteral(value: BundleOverrideValue, top: boolean): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new MmarError('MMAR_INVALID_ARGUMENT', `override value ${String(value)} is not a finite number`, {
        details: { value: String(value) },
      });
    return String(value);
  }
  if (typeof value === 'string') return top ? value : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map((item) => pythonLiteral(item, false)).join(',')}]`;
  return `{${Object.entries(value as Record<string, BundleOverrideValue>)
    .map(([k, v]) => `${pythonLiteral(k, false)}:${pythonLiteral(v, false)}`)
    .join(',')}}`;
}

function configFilesFor(options: RenderBundleCommandOptions, gpus: number): string[] {
  if (options.configFiles) return [...options.configFiles];
  const pick = (name: string): string =>
    options.bundle ? (findConfig(options.bundle.configs, name) ?? `configs/${name}.json`) : `configs/${name}.json`;
  const has = (name: string): boolean => options.bundle === undefined || findConfig(options.bundle.configs, name) !== undefined;
  switch (options.mode) {
    case 'training':
      return gpus > 1 ? [pick('train'), pick('multi_gpu_train')] : [pick('train')];
    case 'evaluating':
      return gpus > 1 && has('multi_gpu_evaluate')
        ? [pick('train'), pick('evaluate'), pick('multi_gpu_evaluate')]
        : [pick('train'), pick('evaluate')];
    default:
      return [pick('inference')];
  }
}

/**
 * Renders the command that runs a bundle with MONAI: `python -m monai.bundle run ...` on one GPU,
 * `torchrun --standalone --nnodes=1 --nproc_per_node=N -m monai.bundle run ...` on several (with the
 * multi-GPU overlay), evaluation with `train` + `evaluate`, and `ckpt_export` to TorchScript. Several
 * configuration files are passed as MONAI's list literal, `"['configs/train.json','configs/multi_gpu_train.json']"`.
 * Every word is shell-quoted in `command` and `line`; `argv` needs no shell.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` for `gpus` that is not a positive integer, several GPUs for
 *   export, or an override key that is not an id; `MMAR_MISSING_FILE` when `bundle` is given and lacks a
 *   configuration the command names (e.g. `multi_gpu_train` before `setBundleMultiGpu`).
 * @example
 * ```ts
 * renderBundleCommand({ bundleDir: '/work/spleen', mode: 'training', gpus: 2, overrides: { epochs: 10 } }).command;
 * // torchrun --standalone --nnodes=1 --nproc_per_node=2 -m monai.bundle run training --meta_file configs/metadata.json
 * //   --config_file "['configs/train.json','configs/multi_gpu_train.json']" --logging_file configs/logging.conf --epochs 10
 * ```
 */
export function renderBundleCommand(options: RenderBundleCommandOptions): BundleCommand {
  const gpus = options.gpus ?? 1;
  if (!Number.isInteger(gpus) || gpus < 1)
    throw new MmarError('MMAR_INVALID_ARGUMENT', `gpus must be a positive integer, got ${String(gpus)}`, { details: { gpus } });
  if (options.mode === 'export' && gpus > 1)
    throw new MmarError('MMAR_INVALID_ARGUMENT', 'export runs in one process; pass gpus: 1', { details: { gpus } });
  if (!['training', 'evaluating', 'inference', 'export'].includes(options.mode)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `unknown mode ${String(options.mode)}`, { details: { mode: options.mode } });
  }
  const configFiles = configFilesFor(options, gpus);
  const bundle = options.bundle;
  if (bundle) {
    for (const file of configFiles) {
      if (!bundle.configs.has(file))
        throw new MmarError(
          'MMAR_MISSING_FILE',
          `${file} is not part of the bundle${/multi_gpu/.test(file) ? ' (setBundleMultiGpu creates it)' : ''}`,
          { details: { file } },
        );
    }
  }
  const configArgument = configFiles.length === 1 ? (configFiles[0] as string) : `[${configFiles.map((f) => `'${f}'`).join(',')}]`;
  const logging = bundle === undefined || Object.hasOwn(bundle.files, BUNDLE_PATHS.logging) ? ['--logging_file', BUNDLE_PATHS.logging] : [];
  const launcher =
    gpus > 1
      ? [options.torchrun ?? 'torchrun', '--standalone', '--nnodes=1', `--nproc_per_node=${gpus}`, '-m', 'monai.bundle']
      : [options.python ?? 'python', '-m', 'monai.bundle'];
  let argv: string[];
  if (options.mode === 'export') {
    argv = [
      ...launcher,
      'ckpt_export',
      options.networkId ?? 'network_def',
      '--filepath',
      options.exportFile ?? BUNDLE_PATHS.torchscript,
      '--ckpt_file',
      options.checkpoint ?? BUNDLE_PATHS.checkpoint,
      '--meta_file',
      BUNDLE_PATHS.metadata,
      '--config_file',
      configArgument,
    ];
  } else {
    const legacy = options.mode === 'training' ? 'training' : 'evaluating';
    let runId: string | undefined = options.runId ?? legacy;
    if (options.runId === undefined && bundle) {
      const run = resolveBundle(bundle, { configFiles });
      runId = run.has(legacy) ? legacy : run.has('run') ? undefined : legacy;
    }
    argv = [
      ...launcher,
      'run',
      ...(runId === undefined ? [] : [runId]),
      '--meta_file',
      BUNDLE_PATHS.metadata,
      '--config_file',
      configArgument,
      ...logging,
    ];
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (!/^[A-Za-z_]\w*(?:(?:#|::)\w+)*$/.test(key))
      throw new MmarError('MMAR_INVALID_ARGUMENT', `override key "${key}" is not a configuration id`, { details: { key } });
    argv.push(`--${key}`, pythonLiteral(value, true));
  }
  const command = argv.map(quoteShellWord).join(' ');
  return { argv, command, cwd: options.bundleDir, line: `cd ${quoteShellWord(options.bundleDir)} && ${command}` };
}
