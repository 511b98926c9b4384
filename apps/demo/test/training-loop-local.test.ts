import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { createScheduler } from '@medaas/cluster-ssh';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';
import { startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import type { TrainingEvent } from '@medaas/training';
import { runTrainingLoop } from '../src/steps/training-loop.js';
import { bundleTestkit } from '../../../packages/training/test/helpers/bundles.js';
import { colinCase, writeProject } from '../../../packages/training/test/helpers/project.js';

let bundles: Awaited<ReturnType<typeof bundleTestkit>>;
let server: TestServer;
let client: AiaaClient;
const cleanup: string[] = [];

beforeAll(async () => {
  bundles = await bundleTestkit();
  server = await startTestServer();
  client = createAiaaClient({ baseUrl: server.url });
  cleanup.push(bundles.dir);
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe("the demo's training loop with the local scheduler", () => {
  it('segments, trains with the fit job, deploys, and the learned model beats the default on Colin27', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const events: TrainingEvent[] = [];
    const result = await runTrainingLoop(client, {
      scheduler: createScheduler('local'),
      mmarDir: project.mmar,
      ...(await colinCase()),
      trainer: { command: [process.execPath, bundles.fit, '--mmar', '{mmar}'] },
      modelName: 'brain_fitted',
      baseModel: 'segmentation_threshold',
      pollIntervalMs: 200,
      onEvent: (event) => events.push(event),
    });
    console.log(
      `Colin27 Dice: default ${result.diceBefore.toFixed(4)}, fitted ${result.diceAfter.toFixed(4)} (best val ${result.bestMetric?.toFixed(4)})`,
    );
    expect(result.diceAfter).toBeGreaterThan(result.diceBefore);
    expect(result.diceAfter).toBeGreaterThan(0.85);
    expect(result.results.bestModel).toBe(join(project.mmar, 'models', 'model.json'));
    expect(result.results.finalModel).toBe(join(project.mmar, 'models', 'model_final.json'));
    expect(result.results.eventFiles).toEqual([join(project.mmar, 'models', 'train_stats.jsonl')]);
    expect(result.model).toMatchObject({ name: 'brain_fitted', type: 'segmentation', labels: ['brain'] });
    // The progress stream: the job's states, every epoch's loss and metric, and the best metric so far.
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual(['best', 'end', 'iteration', 'state', 'validation']);
    const iterations = events.filter((e) => e.type === 'iteration');
    expect(iterations.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.epochs).toBe(9);
    const bests = events.filter((e) => e.type === 'best');
    expect(bests.at(-1)!.metric).toBeCloseTo(result.bestMetric!, 6);
    // The best metric never goes down, as the log's "best so far" promises.
    for (let i = 1; i < bests.length; i += 1) expect(bests[i]!.metric).toBeGreaterThanOrEqual(bests[i - 1]!.metric);
    // The validation metric of the default model's epoch is the Dice the default model got from the server.
    const firstValidation = events.find((e) => e.type === 'validation');
    expect(firstValidation && firstValidation.type === 'validation' && firstValidation.metric).toBeCloseTo(result.diceBefore, 3);
    // listModels shows the deployed model to any other client too, and it keeps serving.
    await using other = createAiaaClient({ baseUrl: server.url });
    expect((await other.listModels()).map((m) => m.name)).toContain('brain_fitted');
  });

  it('reports a job that cannot find a data file: state, reason from the log, and the log tail', async () => {
    const project = writeProject({ missing: true });
    cleanup.push(project.root);
    const error = await runTrainingLoop(client, {
      scheduler: createScheduler('local'),
      mmarDir: project.mmar,
      ...(await colinCase()),
      trainer: { command: [process.execPath, bundles.fit, '--mmar', '{mmar}'] },
      pollIntervalMs: 200,
    }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'TRAINING_JOB_FAILED')).toBe(true);
    const details = (error as { details: Record<string, unknown> }).details;
    expect(details['state']).toBe('failed');
    expect(details['failure']).toMatchObject({ reason: 'missing-file' });
    expect(String((details['failure'] as { message: string }).message)).toContain('labelsTr/missing.nii.gz');
    expect(String(details['logTail'])).toContain('training pair(s)');
  });
});
