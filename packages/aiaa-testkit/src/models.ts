import type { WindowModelParams } from './window-model.js';

/** The classical algorithm behind a test model. */
export type TestAlgorithm = 'threshold' | 'dextr3d' | 'deepgrow' | 'deepedit' | 'scribbles' | 'statistics' | 'window';

/** A model the test server offers: its `/v1/models` descriptor and the algorithm that runs it. */
export interface TestModel {
  /** The id used in `?model=`. */
  readonly name: string;
  /**
   * The type reported to clients; on the AIAA face it decides which endpoint accepts the model. `deepedit`
   * and `scribbles` are MONAI Label types.
   */
  readonly type: 'segmentation' | 'annotation' | 'classification' | 'deepgrow' | 'deepedit' | 'scribbles' | 'others' | 'pipeline';
  /**
   * What runs: Otsu threshold + largest component, DEXTR3D box, DeepGrow region growing (DeepEdit: per
   * label, from clicks under the label's name; scribbles: from a label file's scribbles), intensity
   * statistics (JSON), or the learnable window model.
   */
  readonly algorithm: TestAlgorithm;
  /** Structures labelled, in label-value order. Default `['object']`. */
  readonly labels?: readonly string[];
  /** Free text. */
  readonly description?: string;
  /** Version string. Default `'1'`. */
  readonly version?: string;
  /** For `'threshold'`: a fixed threshold instead of Otsu's. */
  readonly threshold?: number;
  /** For `'deepgrow'`: a 2-D model segments the current slice only. Default `'3D'`. */
  readonly deepgrow?: '2D' | '3D';
  /** For `'window'`: the learned parameters (see `fitWindowModel`), loaded with `PUT /admin/model/{name}` or trained (MONAI Label). */
  readonly window?: WindowModelParams;
  /** MONAI Label: the model's `dimension`. Default 2 for 2-D DeepGrow, else 3. */
  readonly dimension?: 2 | 3;
  /** MONAI Label: the model has a trainer of the same name (`/train/{name}`); for `'window'` models. */
  readonly trainable?: boolean;
}

/**
 * The models a test server offers by default: one per algorithm, with the types the official clients
 * and the 3D Slicer plugin group by.
 */
export const DEFAULT_TEST_MODELS: readonly TestModel[] = Object.freeze([
  {
    name: 'segmentation_threshold',
    type: 'segmentation',
    algorithm: 'threshold',
    labels: ['object'],
    description: 'Otsu threshold and largest connected component',
  },
  {
    name: 'annotation_dextr3d',
    type: 'annotation',
    algorithm: 'dextr3d',
    labels: ['object'],
    description: 'Structure inside the box spanned by six extreme points',
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
    labels: ['object'],
    description: 'Region growing within the clicked slice',
  },
  {
    name: 'classification_intensity',
    type: 'classification',
    algorithm: 'statistics',
    labels: ['bright', 'dark'],
    description: 'Intensity statistics as a JSON result',
  },
] satisfies TestModel[]);

const ENGINES: Record<TestAlgorithm, string> = {
  threshold: 'OtsuLargestComponentEngine',
  dextr3d: 'ExtremePointBoxEngine',
  deepgrow: 'RegionGrowingEngine',
  deepedit: 'LabelRegionGrowingEngine',
  scribbles: 'ScribbleRegionGrowingEngine',
  statistics: 'IntensityStatisticsEngine',
  window: 'LearnedWindowEngine',
};

/** The `/v1/models` descriptor of a model, with the fields every official client reads. */
export function describeModel(model: TestModel): Record<string, unknown> {
  const descriptor: Record<string, unknown> = {
    name: model.name,
    type: model.type,
    labels: [...(model.labels ?? ['object'])],
    description: model.description ?? '',
    version: model.version ?? '1',
    'internal name': ENGINES[model.algorithm],
  };
  if (model.algorithm === 'dextr3d') Object.assign(descriptor, { padding: 20.0, roi: [128, 128, 128], sigma: 3.0 });
  if (model.algorithm === 'deepgrow') descriptor['deepgrow'] = model.deepgrow ?? '3D';
  return descriptor;
}
