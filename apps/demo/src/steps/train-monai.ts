import { openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { connectAnnotationServer } from '@medaas/aiaa-client/interactive';
import { createMonaiLabelClient, type MonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { readDatalist } from '@medaas/dataset/node';
import { maskDice } from '@medaas/nifti-io';
import { collectResults, jobFiles, submitTraining, watchTraining, type TrainingEvent } from '@medaas/training';
import type { ClusterConfig, DemoTraining } from '../config.js';
import type { ClusterHandle } from './cluster.js';
import { trainerCommand, type TrainResult } from './train.js';
import { DemoError } from '../demo-error.js';

/** Options of {@link trainMonaiLabelStep}. */
export interface MonaiLabelTrainOptions {
  readonly url: string;
  readonly mode: DemoTraining;
  /** The model segmented with, and trained: MONAI Label trains an infer task's own weights. */
  readonly model: string;
  readonly workDir: string;
  /** The validated case: its datastore id and the mask the doctor accepted. */
  readonly caseId: string;
  readonly validatedMask: string;
  /** The local project folder with its data list, for the held-out testing cases. */
  readonly projectFolder: string;
  /** Job mode: the MMAR where the job runs (the uploaded copy on a cluster). */
  readonly mmarDir: string;
  readonly onEvent: (event: TrainingEvent) => void;
  readonly log: (line: string) => void;
}

/**
 * Step 7 on MONAI Label, closing the loop: the model is trained on the datastore's final labels, either
 * inside the server (`/train/`, its log lines streamed) or as a scheduler job on the MMAR whose best weights
 * are then uploaded to the server (`PUT /model/{model}`); the validated case and the held-out testing cases
 * are segmented before and after, and scored against their masks.
 */
export async function trainMonaiLabelStep(
  cluster: ClusterHandle,
  config: ClusterConfig,
  options: MonaiLabelTrainOptions,
): Promise<TrainResult> {
  await using client = createMonaiLabelClient({ baseUrl: options.url });
  const reference = new Uint8Array(await readFile(options.validatedMask));
  const testing = await testingCases(options.projectFolder);
  const score = async (): Promise<{ validated: number; heldOut: number[] }> => ({
    validated: await maskDice((await client.segment(options.model, options.caseId)).mask, reference),
    heldOut: await Promise.all(
      testing.map(async (c) => maskDice((await client.segment(options.model, await openAsBlob(c.image))).mask, await openAsBlob(c.label))),
    ),
  });
  const before = await score();
  const run = options.mode === 'server' ? await trainInServer(options) : await trainAsJob(cluster, config, client, options);
  const after = await score();
  return {
    ...run,
    baseModel: `${options.model} (untrained)`,
    modelName: `${options.model} (trained)`,
    diceBefore: before.validated,
    diceAfter: after.validated,
    heldOut: testing.map((c, i) => ({ caseId: c.id, diceBefore: before.heldOut[i]!, diceAfter: after.heldOut[i]! })),
  };
}

type RunFigures = Pick<TrainResult, 'jobId' | 'epochs' | 'bestModel'> & { readonly bestMetric?: number };

async function trainInServer(options: MonaiLabelTrainOptions): Promise<RunFigures> {
  await using server = await connectAnnotationServer({ baseUrl: options.url, protocol: 'monai-label' });
  let last: string | undefined;
  const outcome = await server.train({
    model: options.model,
    pollIntervalMs: 200,
    onStatus: ({ state, lastLine }) => {
      const line = `  train task / ${state}${lastLine ? `: ${lastLine}` : ''}`;
      if (line !== last) options.log(line);
      last = line;
    },
  });
  if (outcome.state !== 'done')
    throw new DemoError('DEMO_STEP_FAILED', `the server's training ended ${outcome.state}: ${outcome.logTail.slice(-3).join(' | ')}`);
  const epochs = Math.max(0, ...outcome.logTail.map((line) => Number(/^Epoch: (\d+)\//.exec(line)?.[1] ?? 0)));
  const best = /best val_mean_dice (\d+\.\d+)/.exec(outcome.logTail.join('\n'))?.[1];
  await using client = createMonaiLabelClient({ baseUrl: options.url });
  const weights = await client.modelInfo(options.model);
  return {
    jobId: 'server task',
    epochs,
    bestModel: `the server's ${options.model} weights, ${weights.checksum.slice(0, 19)}…`,
    ...(best ? { bestMetric: Number(best) } : {}),
  };
}

async function trainAsJob(
  cluster: ClusterHandle,
  config: ClusterConfig,
  client: MonaiLabelClient,
  options: MonaiLabelTrainOptions,
): Promise<RunFigures> {
  const command = await trainerCommand(cluster, config, options.workDir);
  const training = await submitTraining(cluster.scheduler, {
    command,
    mmarDir: options.mmarDir,
    job: { name: 'medaas-train', walltimeSec: 3600, ...(config.kind === 'local' ? {} : config.job) },
  });
  let epochs = 0;
  let bestMetric: number | undefined;
  let state: string | undefined;
  for await (const event of watchTraining(cluster.scheduler, training, { intervalMs: config.kind === 'local' ? 200 : 1000 })) {
    if (event.type === 'iteration') epochs = Math.max(epochs, event.epoch);
    if (event.type === 'best') bestMetric = event.metric;
    if (event.type === 'end') state = event.status.state;
    options.onEvent(event);
  }
  if (state !== 'succeeded') throw new DemoError('DEMO_STEP_FAILED', `training job ${training.job.id} ${state ?? 'ended'}`);
  const results = await collectResults(cluster.scheduler, training);
  if (!results.bestModel) throw new DemoError('DEMO_STEP_FAILED', `training job ${training.job.id} left no model in ${training.modelsDir}`);
  const weights = await jobFiles(cluster.scheduler.session).readBytes(results.bestModel);
  // MONAI Label overwrites the model's weights file; its next inference uses them.
  await client.uploadModel(options.model, weights, { fileName: basename(results.bestModel) });
  return { jobId: training.job.id, epochs, bestModel: results.bestModel, ...(bestMetric === undefined ? {} : { bestMetric }) };
}

async function testingCases(folder: string): Promise<{ id: string; image: string; label: string }[]> {
  const datalist = await readDatalist(join(folder, 'dataset_0.json'));
  return datalist.testing
    .filter((e): e is typeof e & { image: string; label: string } => typeof e.image === 'string' && typeof e.label === 'string')
    .map((e) => ({ id: basename(e.image).replace(/\.nii(\.gz)?$/, ''), image: join(folder, e.image), label: join(folder, e.label) }));
}
