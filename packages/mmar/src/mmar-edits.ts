import { resolveJsonPointer } from '@medaas/core';
import { renderCommands } from './commands.js';
import type { ConfigDocument } from './config-document.js';
import { editConfig, parseConfig, type ConfigEdits } from './config-edit.js';
import { MmarError } from './errors.js';
import { detectGeneration } from './generation.js';
import { insertJsonItem, setJsonValue, type JsonValue } from './json-edit.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import { mainTrainConfigPath, mmarFilesOf, sameShape, type MmarInput } from './mmar-archive.js';
import { assertMmarPath, configKindOf, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import { classCountSites, usesSigmoid, type LoadedConfig } from './out-classes.js';
import { componentClass } from './components.js';

function requireText(files: MmarFiles, path: string): string {
  const text = mmarText(files, path);
  if (text === undefined) throw new MmarError('MMAR_MISSING_FILE', `${path} is missing`, { details: { file: path } });
  return text;
}

function editFiles(files: MmarFiles, path: string, edits: ConfigEdits): MmarFiles {
  const kind = configKindOf(path);
  if (!kind) throw new MmarError('MMAR_INVALID_ARGUMENT', `${path} is not an MMAR configuration file`, { details: { file: path } });
  const document = parseConfig(kind, requireText(files, path), { file: path });
  return { ...files, [path]: editConfig(document as ConfigDocument<unknown>, edits).text };
}

/**
 * Applies {@link editConfig} edits to one configuration file of an MMAR (an archive or its files) and
 * returns the same kind of value; every other file is the same object as before.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` when the file is absent, `MMAR_INVALID_ARGUMENT` when it is not a
 *   configuration, and the errors of {@link editConfig}.
 * @example
 * ```ts
 * archive = editMmarConfig(archive, 'config/config_train.json', { '/train/dataloader/args/batch_size': 4 });
 * ```
 */
export function editMmarConfig<M extends MmarInput>(mmar: M, path: string, edits: ConfigEdits): M {
  return sameShape(mmar, editFiles(mmarFilesOf(mmar), path, edits));
}

/** Options of {@link setLabels}. */
export interface SetLabelsOptions {
  /** Whether one output channel is background. Default: yes, unless the training loss uses sigmoid. */
  readonly background?: boolean;
}

function load(files: MmarFiles, path: string): LoadedConfig | undefined {
  const kind = configKindOf(path);
  const text = mmarText(files, path);
  return kind && text !== undefined ? { path, kind, value: toJsonValue(parseJsonSyntax(text, path)) } : undefined;
}

/**
 * Sets the foreground labels of a segmentation MMAR of any generation and makes every class count
 * agree: the AIAA `labels`, the models' `out_channels` / `num_classes` (or the variable they refer to) in
 * every training, validation and inference configuration, a trainer's own class-count argument,
 * `AsDiscreted`'s `n_classes`, and the data list's `labels` map when the data list is part of the MMAR.
 *
 * @param labels - foreground class names in output-channel order, e.g. `['liver', 'tumor']`.
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` for an empty or duplicated label; `MMAR_MISSING_FILE` without
 *   a training configuration; `MMAR_NO_EDIT_SITE` when nothing in the MMAR states the labels or class
 *   count; `MMAR_INVALID_JSON` / `MMAR_INVALID_CONFIG` when an edited file is broken.
 * @example
 * ```ts
 * archive = setLabels(archive, ['liver', 'tumor']); // out_channels 3, n_classes 3, AIAA labels
 * ```
 */
export function setLabels<M extends MmarInput>(mmar: M, labels: readonly string[], options: SetLabelsOptions = {}): M {
  if (labels.length === 0 || labels.some((l) => typeof l !== 'string' || l.trim() === '') || new Set(labels).size !== labels.length) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', 'labels must be distinct, non-empty names', { details: { labels } });
  }
  const files = mmarFilesOf(mmar);
  const train = load(files, mainTrainConfigPath(files));
  const background = options.background ?? !usesSigmoid(train);
  const count = labels.length + (background ? 1 : 0);
  const configs = Object.keys(files)
    .filter((path) => path.startsWith('config/') && ['train', 'validation', 'inference'].includes(configKindOf(path) ?? ''))
    .map((path) => load(files, path))
    .filter((c): c is LoadedConfig => c !== undefined);
  const edits = new Map<string, Record<string, JsonValue>>();
  for (const site of classCountSites(configs, load(files, MMAR_PATHS.environment))) {
    const fileEdits = edits.get(site.target.file) ?? {};
    fileEdits[site.target.pointer] = count;
    edits.set(site.target.file, fileEdits);
  }
  for (const path of Object.keys(files).filter((p) => p.startsWith('config/') && configKindOf(p) === 'aiaa')) {
    edits.set(path, { ...edits.get(path), '/labels': [...labels] });
  }
  let result: MmarFiles = files;
  for (const [path, fileEdits] of edits) result = editFiles(result, path, fileEdits);
  const datasetJson = resolveJsonPointer(load(files, MMAR_PATHS.environment)?.value, '/DATASET_JSON');
  const datalistPath = typeof datasetJson === 'string' ? datasetJson.replace(/^(\.\/)+/, '') : undefined;
  const datalistText = datalistPath === undefined ? undefined : mmarText(result, datalistPath);
  if (datalistPath !== undefined && datalistText !== undefined) {
    const current = resolveJsonPointer(toJsonValue(parseJsonSyntax(datalistText, datalistPath)), '/labels');
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      const names = background ? ['background', ...labels] : labels;
      const map = Object.fromEntries(names.map((name, index) => [String(index), name]));
      result = { ...result, [datalistPath]: setJsonValue(datalistText, '/labels', map, { file: datalistPath }) };
    }
  }
  if (result === files) {
    throw new MmarError(
      'MMAR_NO_EDIT_SITE',
      'no configuration of the MMAR states its labels or number of classes (no AIAA labels, out_channels, num_classes, n_classes or data list labels)',
      {
        details: { configs: configs.map((c) => c.path) },
      },
    );
  }
  return sameShape(mmar, result);
}

/** Options of {@link setMultiGpu}. */
export interface SetMultiGpuOptions {
  /** GPUs to train on; 1 turns multi-GPU training off. */
  readonly gpus: number;
  /** The training configuration. Default: `config/config_train.json`, else the only one. */
  readonly config?: string;
}

/**
 * Sets up training on several GPUs for any generation: `multi_gpu` in the training configuration and a
 * `commands/train_multi_gpu.sh` that launches one process per GPU (Clara 4: `torch.distributed.launch`;
 * Clara 3: Horovod through `mpirun`).
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `gpus` is not a positive integer; `MMAR_MISSING_FILE`
 *   without a training configuration; `MMAR_AMBIGUOUS_CONFIG` when several could be meant.
 * @example
 * ```ts
 * archive = setMultiGpu(archive, { gpus: 4 });
 * ```
 */
export function setMultiGpu<M extends MmarInput>(mmar: M, options: SetMultiGpuOptions): M {
  const { gpus } = options;
  if (!Number.isInteger(gpus) || gpus < 1)
    throw new MmarError('MMAR_INVALID_ARGUMENT', `gpus must be a positive integer, got ${String(gpus)}`, { details: { gpus } });
  const files = mmarFilesOf(mmar);
  const config = options.config ?? mainTrainConfigPath(files);
  const edited = editFiles(files, config, { '/multi_gpu': gpus > 1 });
  return sameShape(mmar, gpus > 1 ? { ...edited, ...renderCommands(edited, { gpus, config, only: ['train_multi_gpu'] }) } : edited);
}

/** Options of {@link enableFineTuning}. */
export interface EnableFineTuningOptions {
  /** The checkpoint to start from, relative to the MMAR root. Default: `MMAR_CKPT`, else `models/model.pt` (Clara 3: `models/model.ckpt`). */
  readonly checkpoint?: string;
  /** The training configuration. Default: `config/config_train.json`, else the only one. */
  readonly config?: string;
}

/**
 * Prepares fine-tuning from a checkpoint the way the MMAR's generation does it. All: `MMAR_CKPT` in
 * environment.json and a fine-tuning script that starts from it. Clara 4 also gets a `CheckpointLoader`
 * first among the training handlers, disabled by the `dont_load_ckpt_model` global (true, so `train.sh`
 * starts from scratch; `finetune.sh` sets it to False). Clara 3 reads `MMAR_CKPT` itself
 * (`train_finetune.sh`); a trainer of the user's own (BYOT) gets `MMAR_CKPT` to use as it does.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` without environment.json or a training configuration;
 *   `MMAR_UNSAFE_PATH` for a checkpoint outside the MMAR.
 * @example
 * ```ts
 * archive = enableFineTuning(archive, { checkpoint: 'models/model.pt' });
 * ```
 */
export function enableFineTuning<M extends MmarInput>(mmar: M, options: EnableFineTuningOptions = {}): M {
  const files = mmarFilesOf(mmar);
  const config = options.config ?? mainTrainConfigPath(files);
  const generation = detectGeneration('train', toJsonValue(parseJsonSyntax(requireText(files, config), config)));
  const env = toJsonValue(parseJsonSyntax(requireText(files, MMAR_PATHS.environment), MMAR_PATHS.environment));
  const current = resolveJsonPointer(env, '/MMAR_CKPT');
  const checkpoint =
    options.checkpoint ??
    (typeof current === 'string' && current !== '' ? current : generation === 'clara3' ? 'models/model.ckpt' : 'models/model.pt');
  assertMmarPath(checkpoint);
  let result = current === checkpoint ? files : editFiles(files, MMAR_PATHS.environment, { '/MMAR_CKPT': checkpoint });
  if (generation === 'clara4') result = addCheckpointLoader(result, config);
  return sameShape(mmar, { ...result, ...renderCommands(result, { checkpoint, config, only: ['finetune'] }) });
}

/** Clara 4 loads weights with a handler; it must come first, before anything uses the model. */
function addCheckpointLoader(files: MmarFiles, config: string): MmarFiles {
  const train = toJsonValue(parseJsonSyntax(requireText(files, config), config));
  const handlers = resolveJsonPointer(train, '/train/handlers');
  const loader = { name: 'CheckpointLoader', disabled: '{dont_load_ckpt_model}', args: { load_path: '{MMAR_CKPT}', load_dict: ['model'] } };
  const trainEdits: Record<string, JsonValue> = {};
  if (resolveJsonPointer(train, '/dont_load_ckpt_model') === undefined) trainEdits['/dont_load_ckpt_model'] = true;
  if (!Array.isArray(handlers)) trainEdits['/train/handlers'] = [loader];
  let result = Object.keys(trainEdits).length > 0 ? editFiles(files, config, trainEdits) : files;
  if (Array.isArray(handlers) && !handlers.some((h) => componentClass(h)?.endsWith('CheckpointLoader'))) {
    const text = insertJsonItem(requireText(result, config), '/train/handlers/0', loader, { file: config });
    result = { ...result, [config]: parseConfig('train', text, { file: config }).text };
  }
  return result;
}
