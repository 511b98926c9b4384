import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { createScheduler } from '@medaas/cluster-ssh';
import { createAiaaClient } from '@medaas/aiaa-client';
import { startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { collectResults, runTrainingLoop, submitTraining, watchTraining, type TrainingEvent } from '../src/index.js';
import { bundleTestkit } from './helpers/bundles.js';
import { colinCase, writeProject } from './helpers/project.js';

let bundles: Awaited<ReturnType<typeof bundleTestkit>>;
let server: TestServer;
const cleanup: string[] = [];

beforeAll(async () => {
  bundles = await bundleTestkit();
  server = await startTestServer();
  cleanup.push(bundles.dir);
});
afterAll(async () => {
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe('runTrainingLoop with the local scheduler', () => {
  it('segments, trains with the fit job, deploys, and the learned model beats the default on Colin27', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const events: TrainingEvent[] = [];
    const result = await runTrainingLoop({
      scheduler: createScheduler('local'),
      serverUrl: server.url,
      mmarDir: project.mmar,
      ...(await colinCase()),
      trainer: { command: [process.execPath, bundles.fit, '--mmar', '{mmar}'] },
      modelName: 'brain_fitted',
      baseModel: 'segmentation_threshold',
      pollIntervalMs: 200,
      onEvent: (event) => events.push(event),
    });
    console.log(`Colin27 Dice: default ${result.diceBefore.toFixed(4)}, fitted ${result.diceAfter.toFixed(4)} (best val ${result.bestMetric?.toFixed(4)})`);
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
    // listModels shows the deployed model, and it keeps serving.
    await using client = createAiaaClient({ baseUrl: server.url });
    expect((await client.listModels()).map((m) => m.name)).toContain('brain_fitted');
  });

  it('reports a job that cannot find a data file: state, reason from the log, and the log tail', async () => {
    const project = writeProject({ missing: true });
    cleanup.push(project.root);
    const error = await runTrainingLoop({
      scheduler: createScheduler('local'),
      serverUrl: server.url,
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

  it('reports a bad config and an out-of-memory log with their reasons', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const scheduler = createScheduler('local');
    await import('node:fs/promises').then((fs) => fs.writeFile(join(project.mmar, 'config', 'environment.json'), '{ "DATA_ROOT": '));
    const bad = await submitTraining(scheduler, { mmarDir: project.mmar, command: [process.execPath, bundles.fit, '--mmar', '{mmar}'] });
    const badEnd = (await collect(watchTraining(scheduler, bad, { intervalMs: 100 }))).at(-1)!;
    expect(badEnd).toMatchObject({ type: 'end', status: { state: 'failed' }, failure: { reason: 'bad-config' } });

    const oom = await submitTraining(scheduler, {
      mmarDir: project.mmar,
      command: ['bash', '-c', 'echo "Epoch: 1/10, Iter: 1/4 -- train_loss: 0.9000"; echo "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB" >&2; exit 1'],
    });
    const events = await collect(watchTraining(scheduler, oom, { intervalMs: 100 }));
    expect(events.filter((e) => e.type === 'iteration')).toMatchObject([{ epoch: 1, totalEpochs: 10, loss: 0.9 }]);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'failed', exitCode: 1 }, failure: { reason: 'out-of-memory', message: expect.stringContaining('CUDA out of memory') } });
  });

  it('cancels a running training job cleanly and says so', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const scheduler = createScheduler('local');
    const training = await submitTraining(scheduler, { mmarDir: project.mmar, command: ['bash', '-c', 'echo "Epoch: 1/100, Iter: 1/1 -- train_loss: 0.5"; sleep 60'] });
    const events: TrainingEvent[] = [];
    for await (const event of watchTraining(scheduler, training, { intervalMs: 100 })) {
      events.push(event);
      if (event.type === 'iteration') await scheduler.cancel(training.job);
    }
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'cancelled' }, failure: { reason: 'cancelled' } });
    await expect(collectResults(scheduler, training)).rejects.toMatchObject({ code: 'TRAINING_RESULTS_MISSING' });
  });

  it('stops watching with signal.reason unchanged', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const scheduler = createScheduler('local');
    const training = await submitTraining(scheduler, { mmarDir: project.mmar, command: ['sleep', '30'] });
    const controller = new AbortController();
    const reason = new Error('user closed the viewer');
    const seen: TrainingEvent[] = [];
    const error = await (async () => {
      for await (const event of watchTraining(scheduler, training, { intervalMs: 100, signal: controller.signal })) {
        seen.push(event);
        controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(seen[0]).toMatchObject({ type: 'state' });
    await scheduler.cancel(training.job);
  });
});

async function collect(iterable: AsyncIterable<TrainingEvent>): Promise<TrainingEvent[]> {
  const events: TrainingEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}
