import { renderCommands } from './commands.js';
import type { ConfigDocument } from './config-document.js';
import { editConfig, parseConfig, type ConfigEdits } from './config-edit.js';
import { MmarError } from './errors.js';
import { insertJsonItem, setJsonValue, type JsonValue } from './json-edit.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import { configKindOf, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import { classCountSites, usesSigmoid, type LoadedConfig } from './out-classes.js';
import { componentClass } from './components.js';
import { valueAt } from './shape.js';

function requireText(files: MmarFiles, path: string): string {
  const text = mmarText(files, path);
  if (text === undefined) throw new MmarError('MMAR_MISSING_FILE', `${path} is missing`, { details: { file: path } });
  return text;
}

/**
 * Applies {@link editConfig} edits to one configuration file of an MMAR and returns the new files; every
 * other file is the same object as before.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` when the file is absent, `MMAR_INVALID_ARGUMENT` when it is not a
 *   configuration, and the errors of {@link editConfig}.
 * @example
 * ```ts
 * files = editMmarConfig(files, 'config/config_train.json', { '/train/dataloader/args/batch_size': 4 });
 * ```
 */
export function editMmarConfig(files: MmarFiles, path: string, edits: ConfigEdits): MmarFiles {
  const kind = configKindOf(path);
  if (!kind) throw new MmarError('MMAR_INVALID_ARGUMENT', `${path} is not an MMAR configuration file`, { details: { file: path } });
  const document = parseConfig(kind, requireText(files, path), { file: path });
  return { ...files, [path]: editConfig(document as ConfigDocument<unknown>, edits).text };
}

/** Options of {@link setLabels}. */
export interface SetLabelsOptions {
  /** Whether one output channel is background. Default: yes, unless the training loss uses sigmoid. */
  readonly background?: boolean;
}

/**
 * Sets the foreground labels of a segmentation MMAR and makes every class count agree: the AIAA `labels`,
 * the models' `out_channels` (or the variable they refer to), `AsDiscreted`'s `n_classes`, and the data
 * list's `labels` map when the data list is part of the MMAR and has one.
 *
 * @param labels - foreground class names in output-channel order, e.g. `['liver', 'tumor']`.
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` for an empty or duplicated label; `MMAR_MISSING_FILE` without
 *   `config/config_train.json`; `MMAR_INVALID_JSON` / `MMAR_INVALID_CONFIG` when an edited file is broken.
 * @example
 * ```ts
 * files = setLabels(files, ['liver', 'tumor']); // out_channels 3, n_classes 3, AIAA labels
 * ```
 */
export function setLabels(files: MmarFiles, labels: readonly string[], options: SetLabelsOptions = {}): MmarFiles {
  if (labels.length === 0 || labels.some((l) => typeof l !== 'string' || l.trim() === '') || new Set(labels).size !== labels.length) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', 'labels must be distinct, non-empty names', { details: { labels } });
  }
  const load = (path: string): LoadedConfig | undefined => {
    const kind = configKindOf(path);
    const text = mmarText(files, path);
    return kind && text !== undefined ? { path, kind, value: toJsonValue(parseJsonSyntax(text, path)) } : undefined;
  };
  const train = load(MMAR_PATHS.train);
  if (!train) throw new MmarError('MMAR_MISSING_FILE', `${MMAR_PATHS.train} is missing`, { details: { file: MMAR_PATHS.train } });
  const background = options.background ?? !usesSigmoid(train);
  const count = labels.length + (background ? 1 : 0);
  const configs = Object.keys(files)
    .filter((path) => path.startsWith('config/') && ['train', 'validation', 'inference'].includes(configKindOf(path) ?? ''))
    .map(load)
    .filter((c): c is LoadedConfig => c !== undefined);
  const edits = new Map<string, Record<string, JsonValue>>();
  for (const site of classCountSites(configs, load(MMAR_PATHS.environment))) {
    const fileEdits = edits.get(site.target.file) ?? {};
    fileEdits[site.target.pointer] = count;
    edits.set(site.target.file, fileEdits);
  }
  for (const path of Object.keys(files).filter((p) => p.startsWith('config/') && configKindOf(p) === 'aiaa')) {
    edits.set(path, { ...edits.get(path), '/labels': [...labels] });
  }
  let result: MmarFiles = files;
  for (const [path, fileEdits] of edits) result = editMmarConfig(result, path, fileEdits);
  const datasetJson = valueAt(load(MMAR_PATHS.environment)?.value, '/DATASET_JSON');
  const datalistPath = typeof datasetJson === 'string' ? datasetJson.replace(/^(\.\/)+/, '') : undefined;
  const datalistText = datalistPath === undefined ? undefined : mmarText(result, datalistPath);
  if (datalistPath !== undefined && datalistText !== undefined) {
    const current = valueAt(toJsonValue(parseJsonSyntax(datalistText, datalistPath)), '/labels');
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      const names = background ? ['background', ...labels] : labels;
      const map = Object.fromEntries(names.map((name, index) => [String(index), name]));
      result = { ...result, [datalistPath]: setJsonValue(datalistText, '/labels', map, { file: datalistPath }) };
    }
  }
  return result;
}

/** Options of {@link setMultiGpu}. */
export interface SetMultiGpuOptions {
  /** GPUs to train on; 1 turns multi-GPU training off. */
  readonly gpus: number;
}

/**
 * Sets up training on several GPUs: `multi_gpu` in the training configuration and a
 * `commands/train_multi_gpu.sh` that launches one process per GPU.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `gpus` is not a positive integer; `MMAR_MISSING_FILE`
 *   without `config/config_train.json`.
 * @example
 * ```ts
 * files = setMultiGpu(files, { gpus: 4 });
 * ```
 */
export function setMultiGpu(files: MmarFiles, options: SetMultiGpuOptions): MmarFiles {
  const { gpus } = options;
  if (!Number.isInteger(gpus) || gpus < 1) throw new MmarError('MMAR_INVALID_ARGUMENT', `gpus must be a positive integer, got ${String(gpus)}`, { details: { gpus } });
  const edited = editMmarConfig(files, MMAR_PATHS.train, { '/multi_gpu': gpus > 1 });
  return gpus > 1 ? { ...edited, ...renderCommands(edited, { gpus, only: ['train_multi_gpu'] }) } : edited;
}

/** Options of {@link enableFineTuning}. */
export interface EnableFineTuningOptions {
  /** The checkpoint to start from, relative to the MMAR root. Default: `MMAR_CKPT` or `models/model.pt`. */
  readonly checkpoint?: string;
}

/**
 * Prepares fine-tuning from a checkpoint the way Clara 4 does it: `MMAR_CKPT` in environment.json, a
 * `CheckpointLoader` first among the training handlers, disabled by the `dont_load_ckpt_model` global
 * (true, so `train.sh` starts from scratch), and a `commands/finetune.sh` that sets it to False.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` without environment.json or config_train.json; `MMAR_UNSAFE_PATH`
 *   for a checkpoint outside the MMAR.
 * @example
 * ```ts
 * files = enableFineTuning(files, { checkpoint: 'models/model.pt' });
 * ```
 */
export function enableFineTuning(files: MmarFiles, options: EnableFineTuningOptions = {}): MmarFiles {
  const env = toJsonValue(parseJsonSyntax(requireText(files, MMAR_PATHS.environment), MMAR_PATHS.environment));
  const current = valueAt(env, '/MMAR_CKPT');
  const checkpoint = options.checkpoint ?? (typeof current === 'string' ? current : 'models/model.pt');
  let result = current === checkpoint ? files : editMmarConfig(files, MMAR_PATHS.environment, { '/MMAR_CKPT': checkpoint });
  const train = toJsonValue(parseJsonSyntax(requireText(result, MMAR_PATHS.train), MMAR_PATHS.train));
  const handlers = valueAt(train, '/train/handlers');
  const loader = { name: 'CheckpointLoader', disabled: '{dont_load_ckpt_model}', args: { load_path: '{MMAR_CKPT}', load_dict: ['model'] } };
  const trainEdits: Record<string, JsonValue> = {};
  if (valueAt(train, '/dont_load_ckpt_model') === undefined) trainEdits['/dont_load_ckpt_model'] = true;
  if (!Array.isArray(handlers)) trainEdits['/train/handlers'] = [loader];
  if (Object.keys(trainEdits).length > 0) result = editMmarConfig(result, MMAR_PATHS.train, trainEdits);
  if (Array.isArray(handlers) && !handlers.some((h) => componentClass(h)?.endsWith('CheckpointLoader'))) {
    // First: Clara runs handlers in order, and the weights must be loaded before anything uses them.
    const text = insertJsonItem(requireText(result, MMAR_PATHS.train), '/train/handlers/0', loader, { file: MMAR_PATHS.train });
    result = { ...result, [MMAR_PATHS.train]: parseConfig('train', text, { file: MMAR_PATHS.train }).text };
  }
  return { ...result, ...renderCommands(result, { checkpoint, only: ['finetune'] }) };
}
