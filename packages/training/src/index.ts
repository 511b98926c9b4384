/**
 * Closes the annotation loop: training, fine-tuning, multi-GPU, evaluation and export jobs from a Clara
 * MMAR or a MONAI bundle through the `@medaas/cluster-ssh` schedulers (Slurm, PBS, local), typed progress
 * events parsed from the job log, failure reasons (out of memory, missing data, bad config), results
 * collection, pretrained models downloaded on the cluster (NGC, the MONAI model zoo), and deploying the
 * trained model through the caller's AIAA client or a bundle to a MONAI Label app. It depends on
 * `@medaas/core` and `@medaas/cluster-ssh` only: the annotation clients and the typed archives of
 * `@medaas/mmar` are the caller's, typed here by what training uses of them.
 *
 * @packageDocumentation
 */
export { TrainingError } from './errors.js';
export type { TrainingErrorCode } from './errors.js';
export { parseTrainingLine, parseTrainingLog, createTrainingLogParser, diagnoseTrainingLog } from './log-events.js';
export type { TrainingLogEvent, TrainingLogParser, TrainingFailure, TrainingFailureReason } from './log-events.js';
export { renderTrainingScript, trainingJobSpec, checkTrainingOptions, isBundleTraining, archiveDirOf } from './training-script.js';
export type {
  TrainingMode,
  TrainingContainer,
  TrainingScriptOptions,
  CommonTrainingScriptOptions,
  MmarTrainingScriptOptions,
} from './training-script.js';
export { BUNDLE_COMMAND_MODES } from './bundle-script.js';
export type { BundleScriptOptions, BundleTrainingConfig } from './bundle-script.js';
export { submitTraining, watchTraining, collectResults, failureOf } from './training-job.js';
export type {
  SubmitTrainingOptions,
  SubmitTrainingExtras,
  TrainingJob,
  TrainingEvent,
  WatchTrainingOptions,
  TrainingResults,
} from './training-job.js';
export { jobFiles } from './job-files.js';
export type { JobFiles } from './job-files.js';
export { deployModel } from './deploy.js';
export type { DeployModelOptions, AiaaDeployClient, AiaaModelConfigInput } from './deploy.js';
export { deployBundle } from './deploy-bundle.js';
export type { DeployBundleOptions, DeployedBundle, MonaiLabelDeployClient } from './deploy-bundle.js';
export { downloadPretrained } from './pretrained/download-pretrained.js';
export type { PretrainedModel } from './pretrained/download-pretrained.js';
export { checkPretrainedOptions } from './pretrained/pretrained-options.js';
export type { DownloadPretrainedOptions, PretrainedCatalog, PretrainedRead, PretrainedPlan } from './pretrained/pretrained-options.js';
export { zooChecksum } from './pretrained/checksum.js';
export type { PretrainedChecksum, ChecksumAlgorithm } from './pretrained/checksum.js';
export { pretrainedKindOf } from './pretrained/archive-kind.js';
export type { PretrainedKind, PretrainedFiles } from './pretrained/archive-kind.js';
export { parseToolProgress } from './pretrained/tool-progress.js';
export type { ToolProgress } from './pretrained/tool-progress.js';
export { catalogCommand } from './pretrained/catalog-run.js';
