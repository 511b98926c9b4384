import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from '@medaas/cluster-ssh';
import { createAiaaClient } from '@medaas/aiaa-client';
import { startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { maskDice } from '@medaas/nifti-io';
import { collectResults, deployModel, submitTraining, watchTraining, type TrainingEvent } from '../src/index.js';
import { bundleTestkit } from './helpers/bundles.js';
import { CONFIG_AIAA, colinCase, writeProject } from './helpers/project.js';

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

describe("training jobs with the local scheduler, deployed through the caller's client", () => {
  it('trains with the fit job, then deploys through a client whose dispatcher and headers carry every call', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const scheduler = createScheduler('local');
    const training = await submitTraining(scheduler, {
      mmarDir: project.mmar,
      command: [process.execPath, bundles.fit, '--mmar', '{mmar}'],
    });
    const events = await collect(watchTraining(scheduler, training, { intervalMs: 200 }));
    expect(events.filter((e) => e.type === 'iteration').map((e) => e.type === 'iteration' && e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded' } });
    const results = await collectResults(scheduler, training);
    expect(results.bestModel).toBe(join(project.mmar, 'models', 'model.json'));

    // The caller's transport: every request deployModel makes goes through this dispatcher, with these headers.
    const seen: { method: string; path: string; header: string | undefined }[] = [];
    const dispatcher = new Agent().compose((dispatch) => (opts, handler) => {
      const headers = opts.headers as Record<string, string> | undefined;
      seen.push({ method: opts.method, path: opts.path, header: headers?.['x-medaas-site'] });
      return dispatch(opts, handler);
    });
    await using client = createAiaaClient({ baseUrl: server.url, dispatcher, headers: { 'x-medaas-site': 'ward-7' } });
    const model = await deployModel(client, 'brain_fitted', { config: CONFIG_AIAA, weights: await readFile(results.bestModel!) });
    // The client's own model type comes back: AiaaModel, with the config's labels.
    expect(model).toMatchObject({ name: 'brain_fitted', type: 'segmentation', labels: ['brain'] });
    expect(seen.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['PUT /admin/model/brain_fitted', 'GET /v1/models']);
    expect(seen.every((r) => r.header === 'ward-7')).toBe(true);
    // The fitted model now segments Colin27 better than the default one.
    const { image, reference } = await colinCase();
    const before = await maskDice((await client.segmentation('segmentation_threshold', image)).mask, reference);
    const after = await maskDice((await client.segmentation('brain_fitted', image)).mask, reference);
    expect(before).toBeCloseTo(0.6877, 4);
    expect(after).toBeGreaterThan(0.9);
    await dispatcher.close();
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
      command: [
        'bash',
        '-c',
        'echo "Epoch: 1/10, Iter: 1/4 -- train_loss: 0.9000"; echo "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB" >&2; exit 1',
      ],
    });
    const events = await collect(watchTraining(scheduler, oom, { intervalMs: 100 }));
    expect(events.filter((e) => e.type === 'iteration')).toMatchObject([{ epoch: 1, totalEpochs: 10, loss: 0.9 }]);
    expect(events.at(-1)).toMatchObject({
      type: 'end',
      status: { state: 'failed', exitCode: 1 },
      failure: { reason: 'out-of-memory', message: expect.stringContaining('CUDA out of memory') },
    });
  });

  it('cancels a running training job cleanly and says so', async () => {
    const project = writeProject();
    cleanup.push(project.root);
    const scheduler = createScheduler('local');
    const training = await submitTraining(scheduler, {
      mmarDir: project.mmar,
      command: ['bash', '-c', 'echo "Epoch: 1/100, Iter: 1/1 -- train_loss: 0.5"; sleep 60'],
    });
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
