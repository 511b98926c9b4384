import { MedaasError } from '@medaas/core';

/**
 * The failures of `@medaas/training`, one literal per kind:
 * - `TRAINING_INVALID_OPTIONS`: a bad option (mode, GPU or node count the scheduler cannot give, a command without the MMAR).
 * - `TRAINING_RESULTS_MISSING`: the job ended but left no model where the MMAR says models go.
 * - `TRAINING_READ_FAILED`: a result or log file could not be read where the job ran.
 * - `TRAINING_JOB_FAILED`: `runTrainingLoop`'s training job failed (`details.failure` holds the reason parsed from the log, `details.logTail` the log's end).
 * - `TRAINING_DEPLOY_FAILED`: the AIAA server refused the model (`cause` is the server's `AiaaError`, its message the server's).
 */
export type TrainingErrorCode = 'TRAINING_INVALID_OPTIONS' | 'TRAINING_RESULTS_MISSING' | 'TRAINING_READ_FAILED' | 'TRAINING_JOB_FAILED' | 'TRAINING_DEPLOY_FAILED';

/**
 * The error `@medaas/training` calls reject with (aborts reject with `signal.reason`, scheduler and SSH
 * failures with their own `ClusterSshError`).
 *
 * @example
 * ```ts
 * try { await runTrainingLoop(options); } catch (e) { if (isMedaasError(e, 'TRAINING_JOB_FAILED')) console.error(e.details['logTail']); }
 * ```
 */
export class TrainingError extends MedaasError<TrainingErrorCode> {}
