import { MedaasError } from '@medaas/core';

/**
 * The failures of `@medaas/training`, one literal per kind:
 * - `TRAINING_INVALID_OPTIONS`: a bad option (mode, GPU or node count the scheduler cannot give, a command without the MMAR).
 * - `TRAINING_RESULTS_MISSING`: the job ended but left no model where the MMAR says models go.
 * - `TRAINING_READ_FAILED`: a result or log file could not be read where the job ran.
 * - `TRAINING_JOB_FAILED`: a training job a caller waits for failed (`details.failure` holds the reason parsed from the log, `details.logTail` the log's end); for callers that compose the jobs into a loop, as the demo does.
 * - `TRAINING_DEPLOY_FAILED`: the AIAA server refused the model (`cause` is the server's `AiaaError`, its message the server's).
 * - `TRAINING_CATALOG_TOOL_MISSING`: the catalog's tool (`ngc`, or `python` with MONAI) is not on the cluster host's PATH (`details.tool`, `details.host`).
 * - `TRAINING_CATALOG_CREDENTIALS_MISSING`: NGC needs `NGC_API_KEY` (or `NGC_CLI_API_KEY`) in the environment or `~/.ngc/config` on the host (`details.looked`).
 * - `TRAINING_DOWNLOAD_FAILED`: the catalog's command failed (`details.exitCode`, `details.exitSignal`, `details.stderrTail`); nothing is left under the final name.
 * - `TRAINING_DOWNLOAD_INCOMPLETE`: the command succeeded but left no model folder, or one that is neither an MMAR nor a bundle.
 * - `TRAINING_CHECKSUM_MISMATCH`: a downloaded file's digest is not the expected one (`details.file`, `details.algorithm`, `details.expected`, `details.actual`).
 * - `TRAINING_DESTINATION_EXISTS`: the final folder exists but holds no download of this model and version (`details.dir`, `details.found`).
 */
export type TrainingErrorCode =
  | 'TRAINING_INVALID_OPTIONS'
  | 'TRAINING_RESULTS_MISSING'
  | 'TRAINING_READ_FAILED'
  | 'TRAINING_JOB_FAILED'
  | 'TRAINING_DEPLOY_FAILED'
  | 'TRAINING_CATALOG_TOOL_MISSING'
  | 'TRAINING_CATALOG_CREDENTIALS_MISSING'
  | 'TRAINING_DOWNLOAD_FAILED'
  | 'TRAINING_DOWNLOAD_INCOMPLETE'
  | 'TRAINING_CHECKSUM_MISMATCH'
  | 'TRAINING_DESTINATION_EXISTS';

/**
 * The error `@medaas/training` calls reject with (aborts reject with `signal.reason`, scheduler and SSH
 * failures with their own `ClusterSshError`).
 *
 * @example
 * ```ts
 * try { await submitTraining(slurm, options); } catch (e) { if (isMedaasError(e, 'TRAINING_INVALID_OPTIONS')) console.error(e.message); }
 * ```
 */
export class TrainingError extends MedaasError<TrainingErrorCode> {}
