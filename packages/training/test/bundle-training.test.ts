import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { connectSsh, createScheduler, sh, type Scheduler, type SshSession } from '@medaas/cluster-ssh';
import { enableBundleFineTuning, renderBundleCommand, setBundleEpochs, type Bundle, type BundleOverrideValue } from '@medaas/mmar/bundle';
import { readBundle, writeBundle } from '@medaas/mmar/bundle/node';
import {
  BUNDLE_COMMAND_MODES,
  collectResults,
  submitTraining,
  watchTraining,
  type BundleScriptOptions,
  type SubmitTrainingExtras,
  type SubmitTrainingOptions,
  type TrainingEvent,
  type TrainingJob,
  type TrainingMode,
} from '../src/index.js';
import { sshOptions, startSlurm, startSshd } from '../../cluster-ssh/test/helpers/services.js';

// A zoo-shaped bundle (hand-written fixture of @medaas/mmar) trained through the real Slurm over the real sshd,
// with stand-ins for `python -m monai.bundle` and `torchrun` that check their command line and write what a
// run writes (test/fixtures/monai-standin/README.md).
const BUNDLE = fileURLToPath(new URL('../../mmar/test/fixtures/bundles/spleen_ct_segmentation', import.meta.url));
const STANDIN = fileURLToPath(new URL('./fixtures/monai-standin', import.meta.url));

let session: SshSession;
let slurm: Scheduler;
let remote: string;
let bundleDir: string;
let bundle: Bundle;
const local: string[] = [];

/** Uploads a bundle (as a viewer's tool would after editing it) to the cluster. */
async function uploadBundle(edited: Bundle, dir: string): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'medaas-bundle-stage-'));
  local.push(staging);
  await writeBundle(staging, edited);
  for (const path of Object.keys(edited.files)) await session.upload(join(staging, path), `${dir}/${path}`);
}

async function uploadFolder(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    await session.upload(path, `${to}/${path.slice(from.length + 1)}`);
  }
  await session.exec(sh`chmod +x ${`${to}/bin/torchrun`}`);
}

/** A bundle job as a caller makes one: MONAI's command rendered by @medaas/mmar for the mode, then submitted. */
function bundleJob(
  edited: Bundle,
  options: { mode?: TrainingMode; gpus?: number; overrides?: Readonly<Record<string, BundleOverrideValue>> } = {},
): BundleScriptOptions & SubmitTrainingExtras {
  const mode = options.mode ?? 'train';
  const gpus = options.gpus ?? 1;
  const command = renderBundleCommand({
    bundleDir,
    bundle: edited,
    mode: BUNDLE_COMMAND_MODES[mode],
    gpus: mode === 'train-multi-gpu' ? gpus : 1,
    python: 'python3',
    ...(options.overrides ? { overrides: options.overrides } : {}),
  }).argv;
  return { bundleDir, bundle: edited, mode, gpus, command };
}

async function runToEnd(options: SubmitTrainingOptions): Promise<{
  training: TrainingJob;
  events: TrainingEvent[];
  calls: { tool: string; argv: string[]; cwd?: string; env?: Record<string, string> }[];
}> {
  const log = `${remote}/calls-${Date.now()}.jsonl`;
  const training = await submitTraining(slurm, {
    ...options,
    job: {
      name: 'medaas-bundle',
      walltimeSec: 600,
      cpus: 1,
      env: { PYTHONPATH: `${remote}/standin`, PATH: `${remote}/standin/bin:/usr/local/bin:/usr/bin:/bin`, MEDAAS_STANDIN_LOG: log },
    },
  } as SubmitTrainingOptions);
  const events: TrainingEvent[] = [];
  for await (const event of watchTraining(slurm, training, { intervalMs: 500 })) events.push(event);
  const calls = (await session.exec(sh`cat ${log} 2>/dev/null || true`)).stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { tool: string; argv: string[]; cwd?: string; env?: Record<string, string> });
  return { training, events, calls };
}

beforeAll(async () => {
  startSlurm();
  const sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  slurm = createScheduler('slurm', session);
  remote = `${sshd.home}/bundle-training-${process.pid}-${Date.now()}`;
  bundleDir = `${remote}/spleen_ct_segmentation`;
  await uploadFolder(STANDIN, `${remote}/standin`);
  await session.exec(sh`mkdir -p ${`${remote}/data/imagesTr`}`);
  bundle = setBundleEpochs(await readBundle(BUNDLE), 3);
  await uploadBundle(bundle, bundleDir);
}, 300_000);

afterAll(async () => {
  if (session) {
    await session.exec(sh`rm -rf -- ${remote}`);
    await session.close();
  }
  for (const dir of local) await rm(dir, { recursive: true, force: true });
});

describe('MONAI bundles trained through the real Slurm', () => {
  it('trains on one GPU: MONAI run command from the bundle folder, typed progress, the model and events collected', async () => {
    const { training, events, calls } = await runToEnd(
      bundleJob(bundle, { gpus: 1, overrides: { dataset_dir: `${remote}/data`, val_interval: 1 } }),
    );
    expect(training).toMatchObject({ archive: 'bundle', dir: bundleDir, modelsDir: `${bundleDir}/models`, evalDir: `${bundleDir}/eval` });
    expect(calls).toEqual([
      {
        tool: 'monai.bundle',
        // MONAI 1.2+ bundles run their `run` expressions: no run id on the command line.
        argv: [
          'run',
          '--meta_file',
          'configs/metadata.json',
          '--config_file',
          'configs/train.json',
          '--logging_file',
          'configs/logging.conf',
          '--dataset_dir',
          `${remote}/data`,
          '--val_interval',
          '1',
        ],
        cwd: bundleDir,
        env: {},
      },
    ]);
    // setBundleEpochs(3) reached the trainer: three epochs, validated each, one trainer start and end.
    expect(events.filter((e) => e.type === 'start' && e.engine === 'trainer')).toEqual([
      { type: 'start', engine: 'trainer', fromEpoch: 0, totalEpochs: 3 },
    ]);
    expect(events.filter((e) => e.type === 'iteration').map((e) => e.type === 'iteration' && `${e.epoch}/${e.totalEpochs}`)).toEqual([
      '1/3',
      '1/3',
      '2/3',
      '2/3',
      '3/3',
      '3/3',
    ]);
    expect(events.filter((e) => e.type === 'validation').map((e) => e.type === 'validation' && e.name)).toEqual([
      'val_mean_dice',
      'val_mean_dice',
      'val_mean_dice',
    ]);
    expect(events.filter((e) => e.type === 'epoch' && e.engine === 'trainer').map((e) => e.type === 'epoch' && e.epoch)).toEqual([1, 2, 3]);
    expect(events.some((e) => e.type === 'complete' && e.engine === 'trainer')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded' } });
    const results = await collectResults(slurm, training);
    expect(results.bestModel).toBe(`${bundleDir}/models/model.pt`);
    expect(results.eventFiles.some((f) => f.startsWith(`${bundleDir}/eval/events.out.tfevents.`))).toBe(true);
  });

  it('trains on two GPUs with torchrun and the multi-GPU overlay, one process per GPU', async () => {
    const { events, calls } = await runToEnd(
      bundleJob(bundle, { mode: 'train-multi-gpu', gpus: 2, overrides: { dataset_dir: `${remote}/data` } }),
    );
    const config = "['configs/train.json','configs/multi_gpu_train.json']";
    expect(calls[0]).toEqual({
      tool: 'torchrun',
      argv: [
        '--standalone',
        '--nnodes=1',
        '--nproc_per_node=2',
        '-m',
        'monai.bundle',
        'run',
        '--meta_file',
        'configs/metadata.json',
        '--config_file',
        config,
        '--logging_file',
        'configs/logging.conf',
        '--dataset_dir',
        `${remote}/data`,
      ],
    });
    const ranks = calls.filter((c) => c.tool === 'monai.bundle');
    expect(ranks.map((c) => c.env?.['RANK']).sort()).toEqual(['0', '1']);
    expect(ranks.every((c) => c.env?.['WORLD_SIZE'] === '2' && c.argv[4] === config)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded' } });
  });

  it('fine-tunes only a bundle that loads its checkpoint, and then starts from it', async () => {
    await expect(submitTraining(slurm, bundleJob(bundle, { mode: 'finetune' }))).rejects.toSatisfy(
      (e: unknown) => isMedaasError(e, 'TRAINING_INVALID_OPTIONS') && /enableBundleFineTuning/.test((e as Error).message),
    );
    const finetuning = enableBundleFineTuning(bundle);
    await uploadBundle(finetuning, bundleDir);
    const { events, training } = await runToEnd(
      bundleJob(finetuning, { mode: 'finetune', overrides: { dataset_dir: `${remote}/data`, val_interval: 1 } }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded' } });
    const log = await slurm.readOutput(training.job);
    expect(log).toContain(`Restored all variables from ./models/model.pt`);
  });

  it('exports the checkpoint to TorchScript and evaluates it', async () => {
    const exported = await runToEnd(bundleJob(bundle, { mode: 'export' }));
    expect(exported.calls[0]?.argv).toEqual([
      'ckpt_export',
      'network_def',
      '--filepath',
      'models/model.ts',
      '--ckpt_file',
      'models/model.pt',
      '--meta_file',
      'configs/metadata.json',
      '--config_file',
      'configs/inference.json',
    ]);
    expect(exported.events.at(-1)).toMatchObject({ type: 'end', status: { state: 'succeeded' } });
    expect((await collectResults(slurm, exported.training)).files).toContain(`${bundleDir}/models/model.ts`);
    const evaluated = await runToEnd(bundleJob(bundle, { mode: 'evaluate', overrides: { dataset_dir: `${remote}/data` } }));
    expect(evaluated.calls[0]?.argv.slice(0, 5)).toEqual([
      'run',
      '--meta_file',
      'configs/metadata.json',
      '--config_file',
      "['configs/train.json','configs/evaluate.json']",
    ]);
    expect(evaluated.events.filter((e) => e.type === 'validation')).toEqual([
      { type: 'validation', epoch: 1, name: 'val_mean_dice', metric: 0.91, values: { val_mean_dice: 0.91 } },
    ]);
    expect((await collectResults(slurm, evaluated.training)).files).toContain(`${bundleDir}/eval/metrics.csv`);
  });

  it('a run that fails says why: the data folder it was given does not exist', async () => {
    const { events } = await runToEnd(bundleJob(bundle, { overrides: { dataset_dir: `${remote}/no-such-data` } }));
    expect(events.at(-1)).toMatchObject({
      type: 'end',
      status: { state: 'failed' },
      failure: { reason: 'missing-file', message: expect.stringContaining(`${remote}/no-such-data`) },
    });
  });

  it('refuses what cannot run before submitting: several nodes, a relative folder, no command; mmar refuses a bundle without the multi-GPU overlay', async () => {
    const { command } = bundleJob(bundle);
    for (const options of [
      { bundleDir, nodes: 2, gpus: 2, mode: 'train-multi-gpu' as const, command },
      { bundleDir: 'relative/bundle', command },
      { bundleDir, mode: 'train' as const } as unknown as SubmitTrainingOptions,
    ]) {
      await expect(submitTraining(slurm, options)).rejects.toSatisfy((e: unknown) => isMedaasError(e, 'TRAINING_INVALID_OPTIONS'));
    }
    const withoutOverlay = { ...bundle, configs: new Map([...bundle.configs].filter(([path]) => !path.includes('multi_gpu'))) };
    expect(() => bundleJob(withoutOverlay, { mode: 'train-multi-gpu', gpus: 2 })).toThrow(
      expect.objectContaining({ code: 'MMAR_MISSING_FILE', message: expect.stringContaining('setBundleMultiGpu') }),
    );
  });
});
