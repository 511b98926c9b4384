import { appendJsonPointer } from '@medaas/core';
import { checkModel, type ComponentConfig, type ModelConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import type { ParseConfigOptions } from './environment.js';
import { checkEvaluationBody } from './evaluation-rules.js';
import { detectGeneration, type MmarGeneration } from './generation.js';
import { type JsonRecord, type ShapeChecker } from './shape.js';
import { checkComponentKeys, checkTrainGlobals } from './train-rules.js';

/** A dataset component: the class plus where the data list is and which of its lists to read. */
export type DatasetConfig = ComponentConfig & {
  /** The data list, usually `"{DATASET_JSON}"`. */
  readonly data_list_file_path?: string;
  /** The folder image paths are relative to, usually `"{DATA_ROOT}"`. */
  readonly data_file_base_dir?: string;
  /** Which list of the data list to use: `training`, `validation`, ... */
  readonly data_list_key?: string;
};

/** A metric component with the label it is logged under. */
export type MetricConfig = ComponentConfig & {
  readonly log_label?: string;
  /** Whether checkpoints are selected on this metric. */
  readonly is_key_metric?: boolean;
};

/**
 * The `train` section of a training configuration. Which keys are there depends on the generation:
 * Clara 4 builds `dataset`, `dataloader` and a `trainer`; Clara 3 an `image_pipeline` and an `lr_policy`;
 * a BYOT archive may hold only its own `trainer`. Every key is optional and unknown keys are kept.
 */
export interface TrainSection {
  readonly loss?: ComponentConfig;
  readonly optimizer?: ComponentConfig;
  /** Clara 4's learning-rate schedule. */
  readonly lr_scheduler?: ComponentConfig;
  /** Clara 3's learning-rate schedule (`DecayOnStep`, ...). */
  readonly lr_policy?: ComponentConfig;
  readonly model?: ModelConfig | readonly ModelConfig[];
  readonly pre_transforms?: readonly ComponentConfig[];
  /** Clara 3's data pipeline: data list, batch size and transforms in one component. */
  readonly image_pipeline?: ComponentConfig;
  readonly dataset?: DatasetConfig;
  readonly dataloader?: ComponentConfig;
  readonly inferer?: ComponentConfig;
  readonly handlers?: readonly ComponentConfig[];
  readonly post_transforms?: readonly ComponentConfig[];
  readonly metrics?: readonly MetricConfig[];
  readonly trainer?: ComponentConfig;
  readonly [key: string]: unknown;
}

/** The `validate` section of a training configuration, and the body of a validation configuration. */
export interface ValidateSection {
  readonly pre_transforms?: readonly ComponentConfig[];
  readonly dataset?: DatasetConfig;
  readonly dataloader?: ComponentConfig;
  readonly image_pipeline?: ComponentConfig;
  readonly inferer?: ComponentConfig;
  readonly handlers?: readonly ComponentConfig[];
  readonly post_transforms?: readonly ComponentConfig[];
  /** The metrics of Clara 4.0 and Clara 3 (one of them marked `is_key_metric`). */
  readonly metrics?: readonly MetricConfig[];
  /** The metric checkpoints are selected on, as later Clara 4 archives write it. */
  readonly key_metric?: MetricConfig;
  /** The other metrics next to `key_metric`. */
  readonly additional_metrics?: readonly MetricConfig[];
  readonly evaluator?: ComponentConfig;
  /** Clara 3: how the model to validate is loaded. */
  readonly model_loader?: ComponentConfig;
  readonly [key: string]: unknown;
}

/**
 * A training configuration (`config/config_train.json`, `config_train_*.json`, `trn_*.json`): global
 * variables (`epochs`, `learning_rate`, `multi_gpu`, `amp`, ...) at the top level, then the `train`
 * section and an optional `validate` section.
 */
export interface ConfigTrain {
  /** Number of training epochs (a global variable referenced as `{epochs}`). */
  readonly epochs?: number;
  readonly learning_rate?: number;
  /** Clara 4: epochs between validations. */
  readonly num_interval_per_valid?: number;
  /** Clara 3: epochs between validations. */
  readonly num_training_epoch_per_valid?: number;
  readonly multi_gpu?: boolean;
  /** Clara 4's mixed precision switch (`use_amp` in Clara 3). */
  readonly amp?: boolean;
  readonly use_amp?: boolean;
  readonly dont_load_ckpt_model?: boolean;
  readonly train?: TrainSection;
  readonly validate?: ValidateSection;
  /** Further global variables. */
  readonly [variable: string]: unknown;
}

const SECTION_KEYS: Readonly<Record<'train' | 'validation' | 'inference', readonly string[]>> = {
  train: ['train', 'validate'],
  validation: [
    'model',
    'pre_transforms',
    'dataset',
    'dataloader',
    'inferer',
    'handlers',
    'post_transforms',
    'metrics',
    'key_metric',
    'additional_metrics',
    'evaluator',
    'model_loader',
    'image_pipeline',
    'label_transforms',
    'val_metrics',
    'writers',
  ],
  inference: [
    'model',
    'pre_transforms',
    'dataset',
    'dataloader',
    'inferer',
    'handlers',
    'post_transforms',
    'metrics',
    'key_metric',
    'additional_metrics',
    'evaluator',
    'model_loader',
    'image_pipeline',
    'label_transforms',
    'val_metrics',
    'writers',
  ],
};

/**
 * The global variables of a training, validation or inference configuration: its top-level keys that
 * are not sections. They are what `{name}` references resolve against, after `environment.json`.
 *
 * @example
 * ```ts
 * globalVariables(parseConfigTrain(text).value); // { epochs: 1260, learning_rate: 0.0002, ... }
 * ```
 */
export function globalVariables(config: JsonRecord, kind: 'train' | 'validation' | 'inference' = 'train'): Record<string, unknown> {
  const sections = SECTION_KEYS[kind];
  return Object.fromEntries(Object.entries(config).filter(([key]) => !sections.includes(key)));
}

/** What each generation's train section is built from; an absent one is a warning, not an error. */
const EXPECTED_TRAIN_KEYS: Readonly<Record<MmarGeneration, readonly string[]>> = {
  clara4: ['loss', 'optimizer', 'model', 'pre_transforms', 'dataset', 'dataloader', 'trainer'],
  clara3: ['loss', 'optimizer', 'model', 'pre_transforms', 'image_pipeline'],
  byot: ['trainer'],
  unknown: [],
};

const GENERATION_NAMES: Readonly<Record<MmarGeneration, string>> = {
  clara4: 'Clara 4 training sections have it',
  clara3: 'Clara 3 training sections have it',
  byot: 'a BYOT training section is its trainer',
  unknown: '',
};

function checkTrainSection(check: ShapeChecker, train: unknown, pointer: string, generation: MmarGeneration): void {
  if (!check.object(train, pointer)) return;
  checkComponentKeys(check, train, pointer);
  check.field(train, 'model', pointer, (v, p) => checkModel(check, v, p));
  for (const key of EXPECTED_TRAIN_KEYS[generation]) {
    if (!Object.hasOwn(train, key)) check.unknown(pointer, `no "${key}" (${GENERATION_NAMES[generation]}); kept as it is`);
  }
  if (generation === 'unknown') {
    check.unknown(
      pointer,
      'the train section matches neither Clara 4 (dataset, dataloader, trainer) nor Clara 3 (image_pipeline) nor a trainer of its own (BYOT); kept as it is',
    );
  }
}

/** The shape rules of a training configuration (any generation). */
export function checkConfigTrain(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  checkTrainGlobals(check, value);
  const generation = detectGeneration('train', value);
  check.field(
    value,
    'train',
    '',
    (train, pointer) => checkTrainSection(check, train, pointer, generation),
    'every Clara training configuration has one',
  );
  check.field(value, 'validate', '', (validate, pointer) => {
    if (check.object(validate, pointer)) checkEvaluationBody(check, validate, pointer, generation);
  });
  checkReferences(check, value);
}

/** A `ref` names a component of the train section; a typo there fails only when validation first runs. */
function checkReferences(check: ShapeChecker, config: JsonRecord): void {
  const names = new Set<string>();
  const refs: [string, string][] = [];
  const visit = (item: unknown, pointer: string, inTrain: boolean): void => {
    if (Array.isArray(item)) item.forEach((child, index) => visit(child, appendJsonPointer(pointer, index), inTrain));
    else if (typeof item === 'object' && item !== null) {
      const { name, path, ref } = item as { name?: unknown; path?: unknown; ref?: unknown };
      if (inTrain && typeof name === 'string') names.add(name);
      if (inTrain && typeof path === 'string') names.add(path);
      if (typeof ref === 'string') refs.push([ref, appendJsonPointer(pointer, 'ref')]);
      for (const [key, child] of Object.entries(item)) visit(child, appendJsonPointer(pointer, key), inTrain);
    }
  };
  visit(config['train'], '/train', true);
  visit(config['validate'], '/validate', false);
  for (const [ref, pointer] of refs) {
    if (!names.has(ref)) check.report(pointer, `"ref": "${ref}" names no component of the train section`);
  }
}

/**
 * Parses a training configuration of any Clara generation: Clara 4 (`dataset`, `dataloader`, `trainer`),
 * Clara 3 (`image_pipeline`, `lr_policy`), BYOT and nnU-Net-style sections that are one trainer of their
 * own. Components may be named (`name`), brought by the user (`path`), or both. Nothing is rejected for
 * its shape: values Clara cannot use and layouts this library does not know are `findings` of the
 * document (or, with `strict`, the errors among them are thrown). The document keeps the exact text.
 *
 * @param json - the file's text.
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with the JSON pointer of the first wrong value (`details.issues` lists them all), e.g.
 *   `/train/loss/args` when `args` is not an object.
 * @example
 * ```ts
 * const config = parseConfigTrain(await readFile('config/config_train.json', 'utf8'));
 * config.generation; // 'clara4'
 * config.value.train?.model; // { name: 'UNet', args: { ... } }
 * config.findings; // [] for a well-formed archive
 * ```
 */
export function parseConfigTrain(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigTrain> {
  return createDocument('train', json, options.file ?? 'config/config_train.json', checkConfigTrain, 'training configuration', options);
}
