import type { TestModel } from '../models.js';

/**
 * The models of the MONAI Label face by default, with the types MONAI Label apps declare: `segmentation`
 * (the learnable window model, trained by `/train/segmentation`), DeepGrow 3-D and 2-D (`foreground` /
 * `background` clicks), DeepEdit (clicks under the label's name) and scribbles (strokes in a label file).
 */
export const DEFAULT_MONAI_LABEL_MODELS: readonly TestModel[] = Object.freeze([
  {
    name: 'segmentation',
    type: 'segmentation',
    algorithm: 'window',
    labels: ['object'],
    trainable: true,
    description: 'Learned intensity window and largest component (Otsu until trained)',
  },
  {
    name: 'deepgrow_3d',
    type: 'deepgrow',
    algorithm: 'deepgrow',
    deepgrow: '3D',
    labels: ['object'],
    description: 'Region growing from foreground clicks, stopped by background clicks',
  },
  {
    name: 'deepgrow_2d',
    type: 'deepgrow',
    algorithm: 'deepgrow',
    deepgrow: '2D',
    dimension: 2,
    labels: ['object'],
    description: 'Region growing within the clicked slice',
  },
  {
    name: 'deepedit',
    type: 'deepedit',
    algorithm: 'deepedit',
    labels: ['object'],
    description: 'Region growing per label from clicks under the label name',
  },
  {
    name: 'scribbles',
    type: 'scribbles',
    algorithm: 'scribbles',
    labels: ['object'],
    description: 'Region growing from foreground scribbles (3), stopped by background scribbles (2)',
  },
] satisfies TestModel[]);

/** The `labels` of a model in `/info/`: `{ name: value }`, with `background: 0` for the types whose clicks use it. */
export function labelMap(model: TestModel): Record<string, number> {
  const map: Record<string, number> = {};
  (model.labels ?? ['object']).forEach((name, index) => (map[name] = index + 1));
  if (model.type === 'deepedit' || model.type === 'scribbles') map['background'] = 0;
  return map;
}

/** A model's descriptor in `/info/`: `type`, `labels`, `dimension`, `description`, `config`. */
export function describeMonaiModel(model: TestModel): Record<string, unknown> {
  return {
    type: model.type,
    labels: labelMap(model),
    dimension: model.dimension ?? (model.deepgrow === '2D' ? 2 : 3),
    description: model.description ?? '',
    config: {
      device: ['cpu'],
      ...(model.algorithm === 'threshold' && model.threshold !== undefined ? { threshold: model.threshold } : {}),
    },
  };
}

/** The config a trainer lists in `/info/`, the overrides `/train/{model}` accepts. */
export const TRAINER_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  name: 'train_01',
  pretrained: true,
  device: ['cpu'],
  max_epochs: 9,
  early_stop_patience: -1,
  val_split: 0.2,
  train_batch_size: 1,
  val_batch_size: 1,
  multi_gpu: false,
  gpus: 'all',
});
