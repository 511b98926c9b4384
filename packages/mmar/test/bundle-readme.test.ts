import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  resolveBundle,
  validateBundle,
  setBundleEpochs,
  setBundleLabels,
  enableBundleFineTuning,
  setBundleMultiGpu,
  renderBundleCommand,
} from '@medaas/mmar/bundle';
import { readBundle, writeBundle } from '@medaas/mmar/bundle/node';
import { BUNDLE_FIXTURES } from './bundle-helpers.js';

let work = '';
afterAll(async () => rm(work, { recursive: true, force: true }));

it('the README bundle example: read, resolve, edit, validate, write, render', async () => {
  work = await mkdtemp(join(tmpdir(), 'medaas-bundle-readme-'));
  const source = join(work, 'spleen_ct_segmentation');
  await cp(join(BUNDLE_FIXTURES, 'spleen_ct_segmentation'), source, { recursive: true });
  await rm(join(source, 'configs/multi_gpu_train.json'));
  const bundle = await readBundle(source);
  expect(bundle.metadata?.monaiVersion).toBe('1.3.0');
  expect(bundle.labels).toEqual(['spleen']);
  expect(bundle.spacingMm).toEqual([1.5, 1.5, 2]);
  expect(resolveBundle(bundle).resolve('network_def#out_channels')).toBe(2);

  let edited = setBundleEpochs(bundle, 20);
  edited = setBundleLabels(edited, ['spleen', 'accessory spleen']);
  edited = enableBundleFineTuning(edited, { checkpoint: 'models/model.pt' });
  const target = join(work, 'scratch');
  const { bundle: ready, command } = setBundleMultiGpu(edited, { gpus: 2, bundleDir: target });
  expect(validateBundle(ready)).toEqual([]);
  await writeBundle(target, ready);
  const written = await readBundle(target);
  expect(written.files).toEqual(ready.files);
  expect(resolveBundle(written).resolve('train#trainer#max_epochs')).toBe(20);
  expect(written.labels).toEqual(['spleen', 'accessory spleen']);
  expect(command.line).toBe(
    `cd ${target} && torchrun --standalone --nnodes=1 --nproc_per_node=2 -m monai.bundle run --meta_file configs/metadata.json --config_file "['configs/train.json','configs/multi_gpu_train.json']" --logging_file configs/logging.conf`,
  );
  expect(renderBundleCommand({ bundleDir: target, mode: 'export', bundle: ready }).command).toBe(
    'python -m monai.bundle ckpt_export network_def --filepath models/model.ts --ckpt_file models/model.pt --meta_file configs/metadata.json --config_file configs/inference.json',
  );
});
