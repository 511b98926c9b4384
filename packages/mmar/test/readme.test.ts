import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { setEpochs, setLabels, setLearningRate, validateMmar, withConfig } from '@medaas/mmar';
import { readMmar, validateMmarFolder, writeMmar } from '@medaas/mmar/node';
import { FIXTURES, changedLines } from './helpers.js';

let target = '';
afterAll(async () => rm(target, { recursive: true, force: true }));

it('the README quick start: read, edit, validate, write', async () => {
  target = await mkdtemp(join(tmpdir(), 'medaas-mmar-readme-'));
  const archive = await readMmar(join(FIXTURES, 'clara_pt_spleen_ct_segmentation'));
  expect(archive.generation).toBe('clara4');
  expect(archive.train?.value.epochs).toBe(1260);
  expect(archive.aiaa?.value.labels).toEqual(['spleen']);
  const train = archive.train;
  if (!train) throw new Error('the spleen MMAR has a training configuration');
  let edited = withConfig(archive, setLearningRate(setEpochs(train, 300), 1e-5));
  edited = setLabels(edited, ['spleen', 'accessory_spleen']);
  expect(edited.aiaa?.value.labels).toEqual(['spleen', 'accessory_spleen']);
  expect(validateMmar(edited)).toEqual([]);
  expect(changedLines(archive.files['config/config_train.json'] as string, edited.files['config/config_train.json'] as string)).toEqual([
    ['  "epochs": 1260,', '  "epochs": 300,'],
    ['  "learning_rate": 2e-4,', '  "learning_rate": 1e-5,'],
    ['        "out_channels": 2,', '        "out_channels": 3,'],
    ['          "n_classes": 2', '          "n_classes": 3'],
  ]);
  await writeMmar(target, edited);
  expect(await validateMmarFolder(target, { checkDataFiles: false })).toEqual([]);
});
