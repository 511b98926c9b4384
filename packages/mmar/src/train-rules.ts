import { appendJsonPointer } from '@medaas/core';
import { checkComponent, checkComponentList } from './components.js';
import { type JsonRecord, type ShapeChecker } from './shape.js';

/** Keys that hold one component, in any generation's sections. */
const COMPONENT_KEYS = [
  'loss',
  'optimizer',
  'lr_scheduler',
  'lr_policy',
  'inferer',
  'trainer',
  'image_pipeline',
  'evaluator',
  'model_loader',
  'dataloader',
];
/** Keys that hold a list of components. */
const LIST_KEYS = ['pre_transforms', 'handlers', 'post_transforms', 'aux_ops', 'label_transforms', 'writers'];
/** Keys that hold metrics: lists (`metrics`, `additional_metrics`, Clara 3's `val_metrics`) or one (`key_metric`). */
const METRIC_LIST_KEYS = ['metrics', 'additional_metrics', 'val_metrics'];

const NUMBER_GLOBALS = ['epochs', 'learning_rate', 'num_interval_per_valid', 'num_training_epoch_per_valid'];
const BOOLEAN_GLOBALS = ['multi_gpu', 'amp', 'use_amp', 'dont_load_ckpt_model', 'cudnn_benchmark', 'dynamic_input_shape'];

function checkDataset(check: ShapeChecker, value: unknown, pointer: string): void {
  if (!checkComponent(check, value, pointer)) return;
  for (const key of ['data_list_file_path', 'data_file_base_dir', 'data_list_key'])
    check.field(value, key, pointer, (v, p) => check.string(v, p));
}

function checkMetric(check: ShapeChecker, item: unknown, pointer: string): void {
  if (!checkComponent(check, item, pointer)) return;
  check.field(item, 'log_label', pointer, (v, p) => check.string(v, p));
  check.field(item, 'is_key_metric', pointer, (v, p) => check.booleanOrReference(v, p));
}

function checkMetricList(check: ShapeChecker, value: unknown, pointer: string): void {
  if (check.array(value, pointer)) value.forEach((item, index) => checkMetric(check, item, appendJsonPointer(pointer, index)));
}

/**
 * Checks every component-valued key a section of either generation may have, where it is present:
 * each must be a component (a class and an `args` object). Keys this library does not know are kept
 * unchecked.
 */
export function checkComponentKeys(check: ShapeChecker, section: JsonRecord, pointer: string): void {
  for (const key of COMPONENT_KEYS) check.field(section, key, pointer, (v, p) => checkComponent(check, v, p));
  for (const key of LIST_KEYS) check.field(section, key, pointer, (v, p) => checkComponentList(check, v, p));
  for (const key of METRIC_LIST_KEYS) check.field(section, key, pointer, (v, p) => checkMetricList(check, v, p));
  check.field(section, 'key_metric', pointer, (v, p) => checkMetric(check, v, p));
  check.field(section, 'dataset', pointer, (v, p) => checkDataset(check, v, p));
}

/** Checks the global variables both generations give a meaning to: numbers and switches. */
export function checkTrainGlobals(check: ShapeChecker, config: JsonRecord): void {
  for (const key of NUMBER_GLOBALS) check.field(config, key, '', (v, p) => check.numberOrReference(v, p));
  for (const key of BOOLEAN_GLOBALS) check.field(config, key, '', (v, p) => check.booleanOrReference(v, p));
}
