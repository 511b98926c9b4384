import { checkComponent, checkComponentList, checkModel, type ComponentConfig, type ModelConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import type { ParseConfigOptions } from './environment.js';
import { childPointer, type JsonRecord, type ShapeChecker } from './shape.js';

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

/** The `train` section of `config_train.json`. Unknown keys are kept. */
export interface TrainSection {
  readonly loss: ComponentConfig;
  readonly optimizer: ComponentConfig;
  readonly lr_scheduler?: ComponentConfig;
  readonly model: ModelConfig | readonly ModelConfig[];
  readonly pre_transforms: readonly ComponentConfig[];
  readonly dataset: DatasetConfig;
  readonly dataloader: ComponentConfig;
  readonly inferer?: ComponentConfig;
  readonly handlers?: readonly ComponentConfig[];
  readonly post_transforms?: readonly ComponentConfig[];
  readonly metrics?: readonly MetricConfig[];
  readonly trainer: ComponentConfig;
  readonly [key: string]: unknown;
}

/** The `validate` section of `config_train.json`, and the body of `config_validation.json`. */
export interface ValidateSection {
  readonly pre_transforms: readonly ComponentConfig[];
  readonly dataset: DatasetConfig;
  readonly dataloader: ComponentConfig;
  readonly inferer: ComponentConfig;
  readonly handlers?: readonly ComponentConfig[];
  readonly post_transforms?: readonly ComponentConfig[];
  readonly metrics?: readonly MetricConfig[];
  readonly evaluator: ComponentConfig;
  readonly [key: string]: unknown;
}

/**
 * `config/config_train.json`: global variables (`epochs`, `learning_rate`, `multi_gpu`, `amp`, ...) at
 * the top level, then the `train` section and an optional `validate` section.
 */
export interface ConfigTrain {
  /** Number of training epochs (a global variable referenced as `{epochs}`). */
  readonly epochs?: number;
  readonly learning_rate?: number;
  readonly num_interval_per_valid?: number;
  readonly multi_gpu?: boolean;
  readonly amp?: boolean;
  readonly dont_load_ckpt_model?: boolean;
  readonly train: TrainSection;
  readonly validate?: ValidateSection;
  /** Further global variables. */
  readonly [variable: string]: unknown;
}

const SECTION_KEYS: Readonly<Record<'train' | 'validation' | 'inference', readonly string[]>> = {
  train: ['train', 'validate'],
  validation: ['model', 'pre_transforms', 'dataset', 'dataloader', 'inferer', 'handlers', 'post_transforms', 'metrics', 'evaluator'],
  inference: ['model', 'pre_transforms', 'dataset', 'dataloader', 'inferer', 'handlers', 'post_transforms', 'metrics', 'evaluator'],
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

function checkDataset(check: ShapeChecker, value: unknown, pointer: string): void {
  if (!checkComponent(check, value, pointer)) return;
  for (const key of ['data_list_file_path', 'data_file_base_dir', 'data_list_key']) check.field(value, key, pointer, (v, p) => check.string(v, p));
}

function checkMetrics(check: ShapeChecker, value: unknown, pointer: string): void {
  if (!check.array(value, pointer)) return;
  value.forEach((item, index) => {
    const itemPointer = childPointer(pointer, index);
    if (!checkComponent(check, item, itemPointer)) return;
    check.field(item, 'log_label', itemPointer, (v, p) => check.string(v, p));
    check.field(item, 'is_key_metric', itemPointer, (v, p) => check.booleanOrReference(v, p));
  });
}

/** The shape rules shared by the `validate` section and the validation / inference configs. */
export function checkEvaluationBody(check: ShapeChecker, value: JsonRecord, pointer: string, requireMetrics = false): void {
  const component = (v: unknown, p: string): unknown => checkComponent(check, v, p);
  const list = (v: unknown, p: string): void => checkComponentList(check, v, p);
  check.field(value, 'pre_transforms', pointer, list, true);
  check.field(value, 'dataset', pointer, (v, p) => checkDataset(check, v, p), true);
  check.field(value, 'dataloader', pointer, component, true);
  check.field(value, 'inferer', pointer, component, true);
  check.field(value, 'handlers', pointer, list);
  check.field(value, 'post_transforms', pointer, list);
  check.field(value, 'metrics', pointer, (v, p) => checkMetrics(check, v, p), requireMetrics);
  check.field(value, 'evaluator', pointer, component, true);
}

/** The shape rules of `config_train.json`. */
export function checkConfigTrain(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  check.field(value, 'epochs', '', (v, p) => check.numberOrReference(v, p));
  check.field(value, 'learning_rate', '', (v, p) => check.numberOrReference(v, p));
  check.field(value, 'num_interval_per_valid', '', (v, p) => check.numberOrReference(v, p));
  for (const key of ['multi_gpu', 'amp', 'dont_load_ckpt_model', 'cudnn_benchmark']) check.field(value, key, '', (v, p) => check.booleanOrReference(v, p));
  check.field(
    value,
    'train',
    '',
    (train, pointer) => {
      if (!check.object(train, pointer)) return;
      const component = (v: unknown, p: string): unknown => checkComponent(check, v, p);
      const list = (v: unknown, p: string): void => checkComponentList(check, v, p);
      check.field(train, 'loss', pointer, component, true);
      check.field(train, 'optimizer', pointer, component, true);
      check.field(train, 'lr_scheduler', pointer, component);
      check.field(train, 'model', pointer, (v, p) => checkModel(check, v, p), true);
      check.field(train, 'pre_transforms', pointer, list, true);
      check.field(train, 'dataset', pointer, (v, p) => checkDataset(check, v, p), true);
      check.field(train, 'dataloader', pointer, component, true);
      check.field(train, 'inferer', pointer, component);
      check.field(train, 'handlers', pointer, list);
      check.field(train, 'post_transforms', pointer, list);
      check.field(train, 'metrics', pointer, (v, p) => checkMetrics(check, v, p));
      check.field(train, 'trainer', pointer, component, true);
    },
    true,
  );
  check.field(value, 'validate', '', (validate, pointer) => {
    if (check.object(validate, pointer)) checkEvaluationBody(check, validate, pointer);
  });
  checkReferences(check, value);
}

/** A `ref` names a component of the train section; a typo there fails only when validation first runs. */
function checkReferences(check: ShapeChecker, config: JsonRecord): void {
  const names = new Set<string>();
  const refs: [string, string][] = [];
  const visit = (item: unknown, pointer: string, inTrain: boolean): void => {
    if (Array.isArray(item)) item.forEach((child, index) => visit(child, childPointer(pointer, index), inTrain));
    else if (typeof item === 'object' && item !== null) {
      const { name, ref } = item as { name?: unknown; ref?: unknown };
      if (inTrain && typeof name === 'string') names.add(name);
      if (typeof ref === 'string') refs.push([ref, childPointer(pointer, 'ref')]);
      for (const [key, child] of Object.entries(item)) visit(child, childPointer(pointer, key), inTrain);
    }
  };
  visit(config['train'], '/train', true);
  visit(config['validate'], '/validate', false);
  for (const [ref, pointer] of refs) {
    if (!names.has(ref)) check.report(pointer, `"ref": "${ref}" names no component of the train section`);
  }
}

/**
 * Parses and checks `config/config_train.json`. Components may be named (`name`) or brought by the user
 * (`path` to a Python class, BYOC); both are valid. The returned document keeps the exact text.
 *
 * @param json - the file's text.
 * @throws {MmarError} `MMAR_INVALID_JSON` with line and column; `MMAR_INVALID_CONFIG` with the JSON
 *   pointer of the first wrong value (`details.issues` lists them all), e.g. `/train/loss/args` when
 *   `args` is not an object.
 * @example
 * ```ts
 * const config = parseConfigTrain(await readFile('config/config_train.json', 'utf8'));
 * config.value.train.model; // { name: 'UNet', args: { ... } }
 * ```
 */
export function parseConfigTrain(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigTrain> {
  return createDocument('train', json, options.file ?? 'config/config_train.json', checkConfigTrain, 'training configuration');
}
