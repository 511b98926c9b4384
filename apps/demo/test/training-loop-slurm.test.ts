import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { connectSsh, createScheduler, sh, startAiaaServerJob, type AiaaServerJob, type SshSession } from '@medaas/cluster-ssh';
import { createAiaaClient } from '@medaas/aiaa-client';
import { maskDice } from '@medaas/nifti-io';
import { deployModel, type TrainingEvent } from '@medaas/training';
import { runTrainingLoop } from '../src/steps/training-loop.js';
import { bundleTestkit } from '../../../packages/training/test/helpers/bundles.js';
import { colinCase, CONFIG_AIAA, writeProject } from '../../../packages/training/test/helpers/project.js';
import { sshOptions, startSlurm, startSshd } from '../../../packages/cluster-ssh/test/helpers/services.js';

let session: SshSession;
let server: AiaaServerJob | undefined;
let remoteRoot: string;
const localDirs: string[] = [];

beforeAll(async () => {
  startSlurm();
  const sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  remoteRoot = `${sshd.home}/training-test-${process.pid}-${Date.now()}`;
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (session) {
    await session.exec(sh`rm -rf -- ${remoteRoot}`);
    await session.close();
  }
  for (const dir of localDirs) await rm(dir, { recursive: true, force: true });
});

describe("the demo's training loop on the real Slurm over the real sshd", () => {
  it('trains as a Slurm job, streams its progress, collects the model, deploys it to a testkit server job and segments better', async () => {
    const bundles = await bundleTestkit();
    localDirs.push(bundles.dir);
    const project = writeProject({ dataRoot: remoteRoot });
    localDirs.push(project.root);
    // What a viewer does after validation: the project folder and the MMAR go to the cluster, as the user.
    for (const file of project.files) await session.upload(join(project.root, file), `${remoteRoot}/${file}`);
    await session.upload(bundles.fit, `${remoteRoot}/.medaas/fit.mjs`);
    await session.upload(bundles.server, `${remoteRoot}/.medaas/aiaa-server.mjs`);

    const slurm = createScheduler('slurm', session);
    server = await startAiaaServerJob(slurm, {
      server: { command: ['node', `${remoteRoot}/.medaas/aiaa-server.mjs`, '--port', '{port}'] },
      job: { name: 'medaas-aiaa-server', walltimeSec: 900, cpus: 1 },
      timeoutMs: 100_000,
    });
    const events: TrainingEvent[] = [];
    const { image, reference } = await colinCase();
    // The client of the server job, through its tunnel: the loop segments, deploys and segments again with it.
    await using client = createAiaaClient({ baseUrl: server.url });
    const result = await runTrainingLoop(client, {
      scheduler: slurm,
      mmarDir: `${remoteRoot}/mmar`,
      image,
      reference,
      trainer: { command: ['node', `${remoteRoot}/.medaas/fit.mjs`, '--mmar', '{mmar}'] },
      job: { name: 'medaas-fit', walltimeSec: 900, cpus: 1 },
      modelName: 'brain_fitted',
      pollIntervalMs: 500,
      onEvent: (event) => events.push(event),
    });
    console.log(
      `Slurm loop, Colin27 Dice: default ${result.diceBefore.toFixed(4)}, fitted ${result.diceAfter.toFixed(4)}; job ${result.training.job.id}`,
    );
    expect(result.diceAfter).toBeGreaterThan(result.diceBefore);
    expect(result.results.where).toBe(`${session.username}@${session.host}:${session.port}`);
    expect(result.results.bestModel).toBe(`${remoteRoot}/mmar/models/model.json`);
    expect(result.training.job.scheduler).toBe('slurm');
    const states = events.filter((e) => e.type === 'state').map((e) => e.type === 'state' && e.status.state);
    expect(states.at(-1)).toBe('succeeded');
    expect(events.filter((e) => e.type === 'iteration')).toHaveLength(9);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded', exitCode: 0 } });
    expect(events.at(-1)).not.toHaveProperty('failure');

    // A broken model is refused with the server's reason, and the trained model keeps serving.
    const refused = await deployModel(client, 'brain_fitted', {
      config: CONFIG_AIAA,
      weights: new TextEncoder().encode('{"format":"medaas-testkit-window","version":1,"low":5,'),
    }).catch((e: unknown) => e);
    expect(isMedaasError(refused, 'TRAINING_DEPLOY_FAILED')).toBe(true);
    expect((refused as Error).message).toContain('broken or truncated');
    const badConfig = await deployModel(client, 'brain_fitted', {
      config: { type: 'segmentation', labels: [] },
      weights: new Uint8Array([1]),
    }).catch((e: unknown) => e);
    expect((badConfig as Error).message).toContain('labels');
    const again = await client.segmentation('brain_fitted', image);
    expect(await maskDice(again.mask, reference)).toBeCloseTo(result.diceAfter, 10);
    expect(await client.getModelConfig('brain_fitted')).toMatchObject({
      name: 'brain_fitted',
      labels: ['brain'],
      window: { opening: expect.any(Number) },
    });
  }, 240_000);
});
