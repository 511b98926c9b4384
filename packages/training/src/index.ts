/**
 * Closes the annotation loop: training, fine-tuning and multi-GPU jobs from an MMAR through the
 * `@medaas/cluster-ssh` schedulers (Slurm, PBS, local), typed progress events parsed from the job log,
 * failure reasons (out of memory, missing data, bad config), results collection, deploying the trained
 * model to an AIAA server through its admin API, and `runTrainingLoop`, the whole loop with Dice before and
 * after.
 *
 * @packageDocumentation
 */
export { TrainingError } from './errors.js';
export type { TrainingErrorCode } from './errors.js';
export { parseTrainingLine, parseTrainingLog, createTrainingLogParser, diagnoseTrainingLog } from './log-events.js';
export type { TrainingLogEvent, TrainingLogParser, TrainingFailure, TrainingFailureReason } from './log-events.js';
export { renderTrainingScript, trainingJobSpec, checkTrainingOptions } from './training-script.js';
export type { TrainingMode, TrainingContainer, TrainingScriptOptions } from './training-script.js';
export { submitTraining, watchTraining, collectResults, failureOf } from './training-job.js';
export type { SubmitTrainingOptions, TrainingJob, TrainingEvent, WatchTrainingOptions, TrainingResults } from './training-job.js';
export { jobFiles } from './job-files.js';
export type { JobFiles } from './job-files.js';
export { deployModel } from './deploy.js';
export type { DeployModelOptions } from './deploy.js';
export { maskDice } from './dice.js';
export { runTrainingLoop } from './loop.js';
export type { TrainingLoopOptions, TrainingLoopResult } from './loop.js';
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
