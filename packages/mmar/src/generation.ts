import type { ConfigKind } from './config-kind.js';
import type { JsonRecord } from './shape.js';

/**
 * Which Clara Train generation a configuration is written for, from its layout:
 * - `clara4`: Clara Train 4 (PyTorch, MONAI): `dataset`, `dataloader`, `trainer` / `evaluator` components.
 * - `clara3`: Clara Train 3 (TensorFlow): an `image_pipeline`, an `lr_policy`, a `model_loader`.
 * - `byot`: a training section that is one trainer of the user's own (`"trainer": {"path": ...}`) building
 *   its data itself, as Bring-Your-Own-Trainer and nnU-Net-style archives do.
 * - `unknown`: none of these; the file is kept as it is and `validateMmar` says so.
 */
export type MmarGeneration = 'clara4' | 'clara3' | 'byot' | 'unknown';

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasAny(record: JsonRecord, keys: readonly string[]): boolean {
  return keys.some((key) => Object.hasOwn(record, key));
}

const CLARA3_SECTION = ['image_pipeline', 'lr_policy', 'model_loader', 'aux_ops'];
const CLARA4_SECTION = ['dataset', 'dataloader', 'lr_scheduler', 'evaluator'];
const CLARA3_GLOBALS = ['num_training_epoch_per_valid', 'use_amp', 'dynamic_input_shape'];
const CLARA4_GLOBALS = ['num_interval_per_valid', 'amp', 'dont_load_ckpt_model'];

function trainGeneration(config: JsonRecord): MmarGeneration {
  const train = isRecord(config['train']) ? config['train'] : {};
  const validate = isRecord(config['validate']) ? config['validate'] : {};
  if (hasAny(train, CLARA3_SECTION) || hasAny(validate, CLARA3_SECTION)) return 'clara3';
  if (hasAny(train, CLARA4_SECTION) || hasAny(validate, CLARA4_SECTION)) return 'clara4';
  const trainer = train['trainer'];
  if (isRecord(trainer) && typeof trainer['path'] === 'string') return 'byot';
  if (hasAny(config, CLARA3_GLOBALS)) return 'clara3';
  if (hasAny(config, CLARA4_GLOBALS) || Object.hasOwn(train, 'trainer')) return 'clara4';
  return 'unknown';
}

function evaluationGeneration(config: JsonRecord): MmarGeneration {
  if (hasAny(config, ['model_loader', 'image_pipeline', 'val_metrics', 'label_transforms', 'writers'])) return 'clara3';
  if (hasAny(config, ['evaluator', 'dataloader', 'dataset', 'model'])) return 'clara4';
  return 'unknown';
}

function aiaaGeneration(config: JsonRecord): MmarGeneration {
  const inference = isRecord(config['inference']) ? config['inference'] : {};
  if (hasAny(inference, ['AIAA', 'TRITON'])) return 'clara4';
  if (hasAny(inference, ['name', 'tf', 'trtis', 'image'])) return 'clara3';
  return 'unknown';
}

function federatedGeneration(config: JsonRecord): MmarGeneration {
  // Clara 4 federated learning runs on NVFlare: versioned configs of components, executors and workflows.
  if (hasAny(config, ['format_version', 'executors', 'workflows', 'components'])) return 'clara4';
  if (hasAny(config, ['servers', 'client', 'aggregator', 'model_saver'])) return 'clara3';
  return 'unknown';
}

/**
 * The generation a configuration is written for, from its layout (see {@link MmarGeneration}).
 * `environment.json` looks the same in both generations and is always `unknown`.
 *
 * @example
 * ```ts
 * detectGeneration('train', { epochs: 10, train: { image_pipeline: { name: 'SegmentationImagePipeline' } } }); // 'clara3'
 * ```
 */
export function detectGeneration(kind: ConfigKind, value: unknown): MmarGeneration {
  if (!isRecord(value)) return 'unknown';
  switch (kind) {
    case 'train':
      return trainGeneration(value);
    case 'validation':
    case 'inference':
      return evaluationGeneration(value);
    case 'aiaa':
      return aiaaGeneration(value);
    case 'fed-client':
    case 'fed-server':
      return federatedGeneration(value);
    case 'environment':
      return 'unknown';
  }
}
