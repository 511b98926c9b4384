import { writeMask, type Volume } from '@medaas/nifti-io';
import { segmentVolume, type ModelExtras } from '../endpoints.js';
import { maskVolume } from '../grid.js';
import type { ResolvedLimits } from '../limits.js';
import type { TestModel } from '../models.js';
import { labelMap } from './models.js';

/** What an infer task produced: the result file (`.nii.gz`, uint8 labels) and its params, or params alone. */
export type InferenceResult =
  | { readonly kind: 'mask'; readonly file: Uint8Array; readonly params: Record<string, unknown> }
  | { readonly kind: 'json'; readonly params: Record<string, unknown> };

/**
 * Runs a model as a MONAI Label infer task does and answers its result the same way: the mask on the input's
 * grid, and params with `label_names` (the model's labels without the background), `latencies` (seconds per
 * stage) and `centroids`.
 */
export async function runInference(
  model: TestModel,
  volume: Volume,
  params: Record<string, unknown>,
  limits: Pick<ResolvedLimits, 'maxPoints'>,
  extras: ModelExtras = {},
): Promise<InferenceResult> {
  const t0 = performance.now();
  const outcome = await segmentVolume(model, volume, params, limits, extras);
  const t1 = performance.now();
  if (outcome.kind === 'json') return { kind: 'json', params: outcome.value as Record<string, unknown> };
  const file = await writeMask(maskVolume(volume, outcome.mask));
  const t2 = performance.now();
  const seconds = (ms: number): number => Math.round(ms) / 1000;
  const names = Object.fromEntries(Object.entries(labelMap(model)).filter(([name, value]) => value !== 0 && name !== 'background'));
  return {
    kind: 'mask',
    file,
    params: {
      label_names: names,
      latencies: { pre: 0, infer: seconds(t1 - t0), invert: 0, post: 0, write: seconds(t2 - t1), total: seconds(t2 - t0), transform: {} },
      centroids: {},
    },
  };
}

/**
 * A label sent with an inference as OHIF does (`.bin`: raw uint8 voxels on the image's grid), as a volume on
 * that grid; `undefined` when its size does not match.
 */
export function binaryLabel(data: Uint8Array, like: Volume): Volume | undefined {
  const count = like.dims.slice(0, 3).reduce((a, b) => a * b, 1);
  if (data.byteLength !== count) return undefined;
  return maskVolume(like, new Uint8Array(data));
}
