import { isMedaasError } from '@medaas/core';
import { renderBundleCommand, type Bundle, type BundleCommandMode, type BundleOverrideValue } from '@medaas/mmar/bundle';
import { TrainingError } from './errors.js';
import type { CommonTrainingScriptOptions, TrainingMode } from './training-script.js';

/** Training from a MONAI bundle: `python -m monai.bundle` in the bundle folder. */
export interface BundleScriptOptions extends CommonTrainingScriptOptions {
  /** The bundle folder where the job runs (it holds `configs/metadata.json`). */
  readonly bundleDir: string;
  /**
   * The typed bundle (`parseBundle` / `readBundle` of `@medaas/mmar/bundle`), to pick its configuration files
   * (`.json` or `.yaml`) and to check before submitting that they are there: the multi-GPU overlay for
   * `train-multi-gpu`, a checkpoint loader for `finetune`. Without it the zoo's file names are assumed.
   */
  readonly bundle?: Bundle;
  /** Overrides passed as `--key value` to MONAI (`{ epochs: 10, dataset_dir: '/data/spleen' }`). */
  readonly overrides?: Readonly<Record<string, BundleOverrideValue>>;
  /** The Python interpreter on the node. Default `python`. */
  readonly python?: string;
  /** The multi-GPU launcher. Default `torchrun`. */
  readonly torchrun?: string;
}

const BUNDLE_MODES: Readonly<Record<TrainingMode, BundleCommandMode>> = {
  train: 'training',
  finetune: 'training',
  'train-multi-gpu': 'training',
  evaluate: 'evaluating',
  export: 'export',
};

function loadsCheckpoint(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(loadsCheckpoint);
  if (typeof value !== 'object' || value === null) return false;
  const target = (value as Record<string, unknown>)['_target_'];
  if (typeof target === 'string' && /(^|\.)CheckpointLoader$/.test(target)) return true;
  return Object.values(value).some(loadsCheckpoint);
}

/**
 * The argument vector of a bundle job: MONAI's `run training` (one process; `torchrun` with the multi-GPU
 * overlay for `train-multi-gpu`), `run evaluating`, or `ckpt_export`. Fine-tuning is a training run of a
 * bundle that loads its checkpoint (`enableBundleFineTuning`), which is checked when `bundle` is given.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` naming what the bundle lacks or which option is wrong.
 */
export function bundleRunArgv(options: BundleScriptOptions, dir: string, mode: TrainingMode, gpus: number): string[] {
  const bundle = options.bundle;
  if (mode === 'finetune' && bundle && !(bundle.trainConfig && loadsCheckpoint(bundle.configs.get(bundle.trainConfig)?.value))) {
    throw new TrainingError('TRAINING_INVALID_OPTIONS', `the bundle's ${bundle.trainConfig ?? 'training configuration'} loads no checkpoint: call enableBundleFineTuning before fine-tuning`, {
      details: { mode, trainConfig: bundle.trainConfig },
    });
  }
  try {
    return [
      ...renderBundleCommand({
        bundleDir: dir,
        mode: BUNDLE_MODES[mode],
        gpus: mode === 'train-multi-gpu' ? gpus : 1,
        ...(bundle ? { bundle } : {}),
        ...(options.overrides ? { overrides: options.overrides } : {}),
        ...(options.python ? { python: options.python } : {}),
        ...(options.torchrun ? { torchrun: options.torchrun } : {}),
      }).argv,
    ];
  } catch (error) {
    if (!isMedaasError(error)) throw error;
    throw new TrainingError('TRAINING_INVALID_OPTIONS', `cannot run the bundle at ${dir}: ${error.message}`, { details: { mode, ...error.details }, cause: error });
  }
}
