import { readFile, rm } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { createScheduler } from '@medaas/cluster-ssh';
import { createAiaaClient } from '@medaas/aiaa-client';
import { startTestServer } from '@medaas/aiaa-testkit';
import { collectResults, deployModel, submitTraining, watchTraining } from '@medaas/training';
import { bundleTestkit } from './helpers/bundles.js';
import { writeProject } from './helpers/project.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

it('the README quick start: train as a job, watch, collect, deploy', async () => {
  const bundles = await bundleTestkit();
  const project = writeProject();
  cleanup.push(bundles.dir, project.root);
  await using server = await startTestServer();
  const [mmarDir, fitScript, serverUrl] = [project.mmar, bundles.fit, server.url];
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);

  // --- README quick start ---
  const scheduler = createScheduler('local'); // or createScheduler('slurm', session)
  const training = await submitTraining(scheduler, { mmarDir, command: ['node', fitScript, '--mmar', '{mmar}'] });
  for await (const event of watchTraining(scheduler, training)) {
    if (event.type === 'validation') log(`epoch ${event.epoch}: ${event.name} ${event.metric.toFixed(4)}`);
    if (event.type === 'end' && event.failure) throw new Error(`${event.failure.reason}: ${event.failure.message}`);
  }
  const results = await collectResults(scheduler, training);
  await using client = createAiaaClient({ baseUrl: serverUrl });
  await deployModel(client, 'brain_fitted', {
    config: await readFile(`${mmarDir}/config/config_aiaa.json`, 'utf8'),
    weights: await readFile(results.bestModel!),
  });
  // --- end ---

  expect(lines).toHaveLength(9);
  expect(lines[0]).toBe('epoch 1: val_mean_dice 0.6877');
  expect((await client.listModels()).map((m) => m.name)).toContain('brain_fitted');
});
