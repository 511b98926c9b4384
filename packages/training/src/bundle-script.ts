import { TrainingError } from './errors.js';
import type { CommonTrainingScriptOptions, TrainingMode } from './training-options.js';

/**
 * What a fine-tuning check reads of a typed MONAI bundle: its training configuration. The `Bundle` of
 * `@medaas/mmar/bundle` (`readBundle`, `parseBundle`) is one as it is.
 */
export interface BundleTrainingConfig {
  /** The training configuration's path in the bundle (`configs/train.json` or `.yaml`), if it has one. */
  readonly trainConfig: string | undefined;
  /** The parsed configurations by bundle path (their plain `value`). */
  readonly configs: ReadonlyMap<string, { readonly value: unknown }>;
}

/** Training from a MONAI bundle: MONAI's command line, run in the bundle folder. */
export interface BundleScriptOptions extends CommonTrainingScriptOptions {
  /** The bundle folder where the job runs (it holds `configs/metadata.json`). */
  readonly bundleDir: string;
  /**
   * What the job runs in the bundle folder: MONAI's command line as `renderBundleCommand` of
   * `@medaas/mmar/bundle` renders it for the job's mode (its `argv`; {@link BUNDLE_COMMAND_MODES} names the
   * mode to render), or any other command. `{bundle}` is replaced by the folder.
   */
  readonly command: readonly string[];
  /**
   * The typed bundle, to check before submitting that a `finetune` job's training configuration loads its
   * checkpoint (`enableBundleFineTuning`), which saves a GPU allocation that would train from scratch.
   */
  readonly bundle?: BundleTrainingConfig;
}

/**
 * The `mode` of `renderBundleCommand` (`@medaas/mmar/bundle`) that renders a bundle job's command: a
 * training run for `train`, `finetune` (the bundle loads its checkpoint) and `train-multi-gpu` (with
 * `gpus`, which adds `torchrun` and the multi-GPU overlay), `evaluating` for `evaluate`, `ckpt_export` for `export`.
 *
 * @example
 * ```ts
 * const command = renderBundleCommand({ bundleDir, bundle, mode: BUNDLE_COMMAND_MODES['train-multi-gpu'], gpus: 2 }).argv;
 * await submitTraining(slurm, { bundleDir, bundle, mode: 'train-multi-gpu', gpus: 2, command });
 * ```
 */
export const BUNDLE_COMMAND_MODES: Readonly<Record<TrainingMode, 'training' | 'evaluating' | 'export'>> = Object.freeze({
  train: 'training',
  finetune: 'training',
  'train-multi-gpu': 'training',
  evaluate: 'evaluating',
  export: 'export',
});

function loadsCheckpoint(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(loadsCheckpoint);
  if (typeof value !== 'object' || value === null) return false;
  const target = (value as Record<string, unknown>)['_target_'];
  if (typeof target === 'string' && /(^|\.)CheckpointLoader$/.test(target)) return true;
  return Object.values(value).some(loadsCheckpoint);
}

/**
 * Checks a bundle job before it is submitted: a command to run, and for `finetune` with the typed bundle, a
 * training configuration that loads its checkpoint.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` naming what the options or the bundle lack.
 */
export function checkBundleOptions(options: BundleScriptOptions, mode: TrainingMode): void {
  if (!Array.isArray(options.command) || options.command.length === 0) {
    throw new TrainingError(
      'TRAINING_INVALID_OPTIONS',
      "a bundle job needs its command: MONAI's command line from renderBundleCommand of @medaas/mmar/bundle (its argv), or another command",
      {
        details: { mode, bundleDir: options.bundleDir },
      },
    );
  }
  const bundle = options.bundle;
  if (mode === 'finetune' && bundle && !(bundle.trainConfig && loadsCheckpoint(bundle.configs.get(bundle.trainConfig)?.value))) {
    throw new TrainingError(
      'TRAINING_INVALID_OPTIONS',
      `the bundle's ${bundle.trainConfig ?? 'training configuration'} loads no checkpoint: call enableBundleFineTuning before fine-tuning`,
      {
        details: { mode, trainConfig: bundle.trainConfig },
      },
    );
  }
}
