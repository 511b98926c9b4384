// The options both archive kinds share, in their own module so that the MMAR script and the bundle script
// (training-script.ts, bundle-script.ts) both use them without importing each other.

/**
 * What the job runs. For an MMAR, Clara's command scripts (`train.sh`, `finetune.sh`, `train_multi_gpu.sh`,
 * `validate.sh`, `export.sh`); for a MONAI bundle, the MONAI command rendered for the mode
 * (`BUNDLE_COMMAND_MODES`): `python -m monai.bundle run training` (fine-tuning: the same run, the bundle
 * loading its checkpoint), `torchrun` on several GPUs, `run evaluating`, and `ckpt_export`.
 */
export type TrainingMode = 'train' | 'finetune' | 'train-multi-gpu' | 'evaluate' | 'export';

/** A container the command runs in, as the seed's `start_clara_4.sh` runs Clara: Singularity/Apptainer with GPUs. */
export interface TrainingContainer {
  readonly image: string;
  /** Default `singularity`. */
  readonly runtime?: 'singularity' | 'apptainer';
  readonly binds?: readonly { readonly host: string; readonly container: string; readonly readOnly?: boolean }[];
  /** Pass the GPUs through (`--nv`). Default true. */
  readonly nv?: boolean;
  /** The MMAR (or bundle) folder as the container sees it. Default: the same path as on the host. */
  readonly mmarDir?: string;
}

/** The options both archive kinds share. */
export interface CommonTrainingScriptOptions {
  /** Default `train`. */
  readonly mode?: TrainingMode;
  /** GPUs per node. `train-multi-gpu` needs at least 2 on one node, or nodes > 1. Default 1 (0 for a custom command on an MMAR). */
  readonly gpus?: number;
  /** Nodes; more than one needs Slurm (`srun` starts one launcher per node); MMARs only. Default 1. */
  readonly nodes?: number;
  /**
   * A command instead of the MMAR's own scripts (e.g. the testkit `fit` trainer); a bundle's (MONAI's command
   * line, rendered by `@medaas/mmar/bundle`). `{mmar}` / `{bundle}` is replaced by the folder.
   */
  readonly command?: readonly string[];
  readonly container?: TrainingContainer;
}
