import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScheduler } from '@medaas/cluster-ssh';
import { renderCommands } from '@medaas/mmar';
import { writeMmar } from '@medaas/mmar/node';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';
import { startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import type { TrainingEvent } from '@medaas/training';
import { runTrainingLoop } from '../src/steps/training-loop.js';
import { bundleTestkit } from '../../../packages/training/test/helpers/bundles.js';
import { colinCase, writeProject } from '../../../packages/training/test/helpers/project.js';

// Clara's path through the loop without a GPU: the MMAR's real command scripts (rendered by @medaas/mmar),
// run inside a `singularity exec` stand-in, whose `python3 -m medl.apps.train` stand-in runs the testkit fit
// trainer (Clara-format log lines) and saves a checkpoint, and whose `medl.apps.export` turns the checkpoint
// into models/model.ts. What is under test is the loop's wiring: train job, export job, model.ts deployed.
let bundles: Awaited<ReturnType<typeof bundleTestkit>>;
let server: TestServer;
let client: AiaaClient;
const cleanup: string[] = [];
let stubs: string;

beforeAll(async () => {
  bundles = await bundleTestkit();
  server = await startTestServer();
  client = createAiaaClient({ baseUrl: server.url });
  stubs = mkdtempSync(join(tmpdir(), 'medaas-clara-stubs-'));
  cleanup.push(bundles.dir, stubs);
  const stub = (name: string, body: string): void => {
    writeFileSync(join(stubs, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(stubs, name), 0o755);
  };
  // singularity exec [--nv] [-B bind]... IMAGE CMD...: records the call, then runs CMD on the host.
  stub(
    'singularity',
    [
      'echo "singularity $*" >> "$MEDAAS_STUB_LOG"',
      '[ "$1" = exec ] || exit 64; shift',
      'while [ "${1#-}" != "$1" ]; do case "$1" in -B|--bind) shift 2 ;; *) shift ;; esac; done',
      'shift # the image',
      'exec "$@"',
    ].join('\n'),
  );
  stub(
    'python3',
    [
      'echo "python3 $*" >> "$MEDAAS_STUB_LOG"',
      'case " $* " in',
      '  *" medl.apps.train "*) node "$MEDAAS_FIT" --mmar "$MMAR_ROOT" && cp "$MMAR_ROOT/models/model.json" "$MMAR_ROOT/models/model.pt" ;;',
      '  *" medl.apps.export "*) while [ $# -gt 0 ]; do case "$1" in --model_path) from=$2 ;; --output_path) to=$2 ;; esac; shift; done',
      '    cp "$from" "$to" && echo "exported $from to $to" ;;',
      '  *) echo "unexpected python3 call" >&2; exit 2 ;;',
      'esac',
    ].join('\n'),
  );
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

it("Clara's scripts in a container: the train job, then the MMAR's export step as a job, and models/model.ts deployed", async () => {
  const project = writeProject();
  cleanup.push(project.root);
  const configs = {
    'config/config_train.json': '{ "epochs": 9 }\n',
    'config/environment.json': readFileSync(join(project.mmar, 'config', 'environment.json'), 'utf8'),
  };
  await writeMmar(project.mmar, { ...configs, ...renderCommands(configs) });
  const log = join(stubs, `calls-${Date.now()}.log`);
  const events: TrainingEvent[] = [];
  const result = await runTrainingLoop(client, {
    scheduler: createScheduler('local'),
    mmarDir: project.mmar,
    ...(await colinCase()),
    trainer: {
      mode: 'train',
      container: { image: '/shared/clara-train-4.0.sif', binds: [{ host: project.root, container: project.root }] },
    },
    job: { name: 'clara-train', env: { PATH: `${stubs}:${process.env['PATH']}`, MEDAAS_FIT: bundles.fit, MEDAAS_STUB_LOG: log } },
    baseModel: 'segmentation_threshold',
    modelName: 'brain_clara',
    pollIntervalMs: 200,
    onEvent: (event) => events.push(event),
  });
  expect(result.exportJob?.mode).toBe('export');
  expect(result.results.bestModel).toBe(join(project.mmar, 'models', 'model.ts'));
  expect(result.model).toMatchObject({ name: 'brain_clara', type: 'segmentation' });
  expect(result.diceAfter).toBeGreaterThan(result.diceBefore);
  expect(result.epochs).toBe(9);
  // Both jobs ended through the events, the export after the training.
  expect(events.filter((e) => e.type === 'end').map((e) => e.type === 'end' && e.status.state)).toEqual(['succeeded', 'succeeded']);
  // What ran, in order: Clara's train.sh and export.sh, each inside the container with the GPU flag.
  const calls = (await readFile(log, 'utf8')).trim().split('\n');
  expect(calls.filter((c) => c.startsWith('singularity'))).toEqual([
    expect.stringMatching(
      /^singularity exec --nv -B \S+ \/shared\/clara-train-4\.0\.sif bash -c cd .*\/commands && bash .*\/commands\/train\.sh$/,
    ),
    expect.stringMatching(
      /^singularity exec --nv -B \S+ \/shared\/clara-train-4\.0\.sif bash -c cd .*\/commands && bash .*\/commands\/export\.sh$/,
    ),
  ]);
  expect(calls.filter((c) => c.startsWith('python3'))).toEqual([
    expect.stringContaining(`-m medl.apps.train -m ${project.mmar} -c config/config_train.json`),
    expect.stringContaining(`--model_path ${project.mmar}/models/model.pt --output_path ${project.mmar}/models/model.ts`),
  ]);
});
