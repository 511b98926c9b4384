import { openCallScope, type CallOptions } from '@medaas/core';
import type { AiaaClient, AiaaModel, AiaaModelConfig } from '@medaas/aiaa-client';
import type { JobSpec, Scheduler } from '@medaas/cluster-ssh';
import { maskDice } from '@medaas/nifti-io';
import {
  collectResults,
  deployModel,
  jobFiles,
  submitTraining,
  TrainingError,
  watchTraining,
  type MmarTrainingScriptOptions,
  type TrainingEvent,
  type TrainingJob,
  type TrainingResults,
} from '@medaas/training';

/** Options of {@link runTrainingLoop}. */
export interface TrainingLoopOptions extends CallOptions {
  /** Where training runs: `local`, or Slurm/PBS over SSH (`scheduler.session`). */
  readonly scheduler: Scheduler;
  /** The MMAR where the job runs; its data list must already hold the validated pairs. */
  readonly mmarDir: string;
  /** The case to segment before and after training (NIfTI bytes). */
  readonly image: Uint8Array | Blob;
  /** Its validated (reference) mask, NIfTI bytes; the Dice figures are measured against it. */
  readonly reference: Uint8Array | Blob;
  /** What the job runs: a command (`{mmar}` is the MMAR folder, e.g. the testkit `fit` trainer) or Clara's scripts. */
  readonly trainer: Omit<MmarTrainingScriptOptions, 'mmarDir'>;
  /** Scheduler options of the training job. */
  readonly job?: Omit<JobSpec, 'script' | 'name'> & { readonly name?: string };
  /** The model segmented with first. Default: the server's first `segmentation` model. */
  readonly baseModel?: string;
  /** The name the trained model is deployed under. Default `segmentation_trained`. */
  readonly modelName?: string;
  /** The AIAA config to deploy with. Default: the MMAR's `config/config_aiaa.json`. */
  readonly config?: AiaaModelConfig;
  /** Every training event as it arrives (state, iteration, validation, best, end). */
  readonly onEvent?: (event: TrainingEvent) => void;
  /** Time between polls of the training job. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * The MMAR's export step (`commands/export.sh`: the checkpoint to TorchScript `models/model.ts`) as a job
   * of its own between training and deploying, so that the server receives the exported model. Default: on
   * for Clara's scripts (a trainer without `command`), with the trainer's container; off for a `command`
   * trainer, whose model is deployed as it is. Give options (e.g. another container) to run it differently.
   */
  readonly export?: boolean | Omit<MmarTrainingScriptOptions, 'mmarDir' | 'mode' | 'command'>;
}

/** What {@link runTrainingLoop} measured and made. */
export interface TrainingLoopResult {
  readonly baseModel: string;
  /** Dice of the base model's segmentation against the reference. */
  readonly diceBefore: number;
  /** Dice of the deployed model's segmentation against the reference. */
  readonly diceAfter: number;
  readonly training: TrainingJob;
  /** The export job, when the loop ran the MMAR's export step. */
  readonly exportJob?: TrainingJob;
  /** What was found in the MMAR's models folder: after the export step, when it ran (its `bestModel` is then `model.ts`). */
  readonly results: TrainingResults;
  /** The best validation metric the job's log reported, if any. */
  readonly bestMetric?: number;
  readonly epochs: number;
  readonly model: AiaaModel;
}

/**
 * The seed's loop, the demo's step 7 on AIAA: segment the case with the base model and score it against the
 * validated mask; train on the MMAR's data list as a batch job, watching its progress; collect the best model
 * (for Clara's scripts: run the MMAR's export step as a second job and take its `models/model.ts`); deploy it
 * through `client` with the MMAR's AIAA config; segment again with it and score again. The client is the
 * caller's (its dispatcher, TLS and headers apply to every call) and stays open.
 *
 * @throws {TrainingError} `TRAINING_JOB_FAILED` (with `details.failure` and `details.logTail`) when the job
 *   fails; `TRAINING_INVALID_OPTIONS` when the server has no segmentation model; `TRAINING_RESULTS_MISSING`,
 *   `TRAINING_DEPLOY_FAILED`, `TRAINING_READ_FAILED` as named.
 * @throws {AiaaError} from the segmentations; `ClusterSshError` from the scheduler.
 */
export async function runTrainingLoop(client: AiaaClient, options: TrainingLoopOptions): Promise<TrainingLoopResult> {
  const scope = openCallScope('training loop', options);
  const { signal } = scope;
  try {
    const baseModel = options.baseModel ?? (await client.listModels({ type: 'segmentation', signal }))[0]?.name;
    if (!baseModel)
      throw new TrainingError('TRAINING_INVALID_OPTIONS', `the AIAA server at ${client.baseUrl} has no segmentation model to start from`, {
        details: { server: client.baseUrl },
      });
    const before = await client.segmentation(baseModel, options.image, { signal });
    const diceBefore = await maskDice(before.mask, options.reference, { signal });

    const job = options.job ?? {};
    const training = await submitTraining(options.scheduler, { ...options.trainer, mmarDir: options.mmarDir, job, signal });
    const trained = await followJob(options, training, signal);
    let results = await collectResults(options.scheduler, training, { signal });
    const exportOptions = exportStep(options);
    let exportJob: TrainingJob | undefined;
    if (exportOptions) {
      exportJob = await submitTraining(options.scheduler, {
        ...exportOptions,
        mode: 'export',
        mmarDir: options.mmarDir,
        job: { ...job, name: `${job.name ?? 'medaas-train'}-export` },
        signal,
      });
      await followJob(options, exportJob, signal);
      results = await collectResults(options.scheduler, exportJob, { signal });
      if (!results.bestModel?.endsWith('/model.ts')) {
        throw new TrainingError(
          'TRAINING_RESULTS_MISSING',
          `export job ${exportJob.job.id} succeeded but left no models/model.ts in ${exportJob.modelsDir}`,
          {
            details: { jobId: exportJob.job.id, modelsDir: exportJob.modelsDir, files: results.files.slice(0, 50) },
          },
        );
      }
    }
    const files = jobFiles(options.scheduler.session);
    const weights = await files.readBytes(results.bestModel!, { signal });
    const config =
      options.config ??
      new TextDecoder().decode(await files.readBytes(`${options.mmarDir.replace(/\/+$/, '')}/config/config_aiaa.json`, { signal }));
    const modelName = options.modelName ?? 'segmentation_trained';
    const model = await deployModel(client, modelName, {
      config,
      weights,
      weightsFileName: results.bestModel!.slice(results.bestModel!.lastIndexOf('/') + 1),
      signal,
    });
    const after = await client.segmentation(modelName, options.image, { signal });
    const diceAfter = await maskDice(after.mask, options.reference, { signal });
    return {
      baseModel,
      diceBefore,
      diceAfter,
      training,
      ...(exportJob ? { exportJob } : {}),
      results,
      ...(trained.bestMetric === undefined ? {} : { bestMetric: trained.bestMetric }),
      epochs: trained.epochs,
      model,
    };
  } finally {
    scope.dispose();
  }
}

/** The export step's options, or undefined when the loop deploys the trained model as it is. */
function exportStep(options: TrainingLoopOptions): Omit<MmarTrainingScriptOptions, 'mmarDir' | 'mode' | 'command'> | undefined {
  const choice = options.export ?? options.trainer.command === undefined;
  if (choice === false) return undefined;
  if (choice !== true) return choice;
  const { container, gpus } = options.trainer;
  return { ...(container ? { container } : {}), ...(gpus === undefined ? {} : { gpus: Math.min(gpus, 1) }) };
}

/**
 * Watches a job of the loop to its end, passing every event on; cancels it when watching fails (an abort,
 * a lost connection) so that it does not hold GPUs.
 *
 * @throws {TrainingError} `TRAINING_JOB_FAILED` when it did not succeed.
 */
async function followJob(
  options: TrainingLoopOptions,
  job: TrainingJob,
  signal: AbortSignal,
): Promise<{ epochs: number; bestMetric?: number }> {
  let epochs = 0;
  let bestMetric: number | undefined;
  let ended: Extract<TrainingEvent, { type: 'end' }> | undefined;
  try {
    for await (const event of watchTraining(options.scheduler, job, { signal, intervalMs: options.pollIntervalMs ?? 1000 })) {
      if (event.type === 'iteration') epochs = Math.max(epochs, event.epoch);
      if (event.type === 'best') bestMetric = event.metric;
      if (event.type === 'end') ended = event;
      options.onEvent?.(event);
    }
  } catch (error) {
    await options.scheduler.cancel(job.job).catch(() => undefined);
    throw error;
  }
  if (!ended || ended.status.state !== 'succeeded') {
    throw new TrainingError(
      'TRAINING_JOB_FAILED',
      `${job.mode} job ${job.job.id} ${ended?.status.state ?? 'ended'}: ${ended?.failure?.message ?? 'no reason in the log'}`,
      {
        details: { jobId: job.job.id, mode: job.mode, state: ended?.status.state, failure: ended?.failure, logTail: ended?.logTail },
      },
    );
  }
  return { epochs, ...(bestMetric === undefined ? {} : { bestMetric }) };
}
