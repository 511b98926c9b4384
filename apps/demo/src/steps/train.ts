import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';
import { readDatalist } from '@medaas/dataset/node';
import { maskDice } from '@medaas/nifti-io';
import type { TrainingEvent } from '@medaas/training';
import type { ClusterConfig } from '../config.js';
import { standaloneScript } from '../standalone.js';
import type { ClusterHandle } from './cluster.js';
import { runTrainingLoop, type TrainingLoopResult } from './training-loop.js';

/** What closing the loop measured: Dice against the validated mask before and after, and the job's figures. */
export interface TrainResult {
  readonly jobId: string;
  readonly baseModel: string;
  readonly modelName: string;
  readonly diceBefore: number;
  readonly diceAfter: number;
  readonly epochs: number;
  readonly bestMetric?: number;
  /** Where the job left the best model (on the cluster, for a cluster run). */
  readonly bestModel: string;
  /** The data list's testing cases, which training never saw: Dice against their masks, before and after. */
  readonly heldOut: readonly { readonly caseId: string; readonly diceBefore: number; readonly diceAfter: number }[];
}

/** The name the trained model is deployed under. */
export const TRAINED_MODEL = 'segmentation_trained';

/**
 * Step 7, closing the loop: the MMAR written in step 6 is trained on the project's data list as a batch job
 * (the same scheduler as the server job), its progress is streamed as typed events, the best model is
 * collected and deployed to the running AIAA server through the admin API, and the validated case is
 * segmented again. The Dice against the validated mask is measured before (the server's first segmentation
 * model, the one step 3 started from) and after (the trained one).
 *
 * The trainer is the testkit's GPU-free `fit` command, uploaded as one file next to the project on a cluster;
 * `trainCommand` in the config names another (e.g. a Clara container's `train.sh`).
 */
export async function trainStep(
  cluster: ClusterHandle,
  config: ClusterConfig,
  options: {
    readonly workDir: string;
    readonly serverUrl: string;
    /** The MMAR where the job runs (the uploaded copy on a cluster). */
    readonly mmarDir: string;
    /** The validated case: its image and the mask the doctor accepted. */
    readonly image: string;
    readonly validatedMask: string;
    /** The local project folder with its data list (`dataset_0.json`), for the held-out testing cases. */
    readonly projectFolder: string;
    readonly onEvent: (event: TrainingEvent) => void;
  },
): Promise<TrainResult> {
  const command = await trainerCommand(cluster, config, options.workDir);
  // One client for the whole step: segmentations, the deployment and the held-out scores go through it.
  await using client = createAiaaClient({ baseUrl: options.serverUrl });
  const result: TrainingLoopResult = await runTrainingLoop(client, {
    scheduler: cluster.scheduler,
    mmarDir: options.mmarDir,
    image: new Uint8Array(await readFile(options.image)),
    reference: new Uint8Array(await readFile(options.validatedMask)),
    trainer: { command },
    job: { name: 'medaas-train', walltimeSec: 3600, ...(config.kind === 'local' ? {} : config.job) },
    modelName: TRAINED_MODEL,
    pollIntervalMs: config.kind === 'local' ? 200 : 1000,
    onEvent: options.onEvent,
  });
  const heldOut = await scoreHeldOut(client, options.projectFolder, result.baseModel, result.model.name);
  return {
    jobId: result.training.job.id,
    baseModel: result.baseModel,
    modelName: result.model.name,
    diceBefore: result.diceBefore,
    diceAfter: result.diceAfter,
    epochs: result.epochs,
    ...(result.bestMetric === undefined ? {} : { bestMetric: result.bestMetric }),
    bestModel: result.results.bestModel ?? '',
    heldOut,
  };
}

/**
 * Segments the data list's testing cases with the base and the trained model and scores both against the
 * cases' masks: the validated case itself may be a training case, these never are.
 */
async function scoreHeldOut(client: AiaaClient, folder: string, baseModel: string, trainedModel: string): Promise<TrainResult['heldOut']> {
  const datalist = await readDatalist(join(folder, 'dataset_0.json'));
  const scores: { caseId: string; diceBefore: number; diceAfter: number }[] = [];
  for (const entry of datalist.testing) {
    if (typeof entry.image !== 'string' || typeof entry.label !== 'string') continue;
    const image = new Uint8Array(await readFile(join(folder, entry.image)));
    const label = new Uint8Array(await readFile(join(folder, entry.label)));
    const before = await client.segmentation(baseModel, image);
    const after = await client.segmentation(trainedModel, image);
    scores.push({
      caseId: basename(entry.image).replace(/\.nii(\.gz)?$/, ''),
      diceBefore: await maskDice(before.mask, label),
      diceAfter: await maskDice(after.mask, label),
    });
  }
  return scores;
}

/** The trainer the job runs: a custom `--train-command`, or the testkit `fit` trainer (uploaded next to the project on a cluster). */
export async function trainerCommand(cluster: ClusterHandle, config: ClusterConfig, workDir: string): Promise<readonly string[]> {
  if (config.kind !== 'local' && config.trainCommand) return config.trainCommand;
  const script = await standaloneScript('fit', workDir);
  if (config.kind === 'local' || !cluster.session) return [process.execPath, script, '--mmar', '{mmar}'];
  const remote = `${config.remoteProject}/.medaas/fit.mjs`;
  await cluster.session.upload(script, remote);
  return ['node', remote, '--mmar', '{mmar}'];
}
