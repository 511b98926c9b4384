import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleConfigPosition,
  parseBundle,
  parseBundleConfig,
  resolveBundle,
  stringifyBundleConfig,
  validateBundle,
} from '@medaas/mmar/bundle';
import { readBundle, readBundleFiles, writeBundle } from '@medaas/mmar/bundle/node';
import { BUNDLES, BUNDLE_FIXTURES, bundleFixture } from './bundle-helpers.js';

const temporary: string[] = [];
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('typed read of the fixture bundles', () => {
  it('spleen (JSON): metadata, labels, spacing, out_channels through @num_classes and a macro from another file', () => {
    const bundle = parseBundle(bundleFixture('spleen_ct_segmentation'));
    expect(bundle.metadata).toMatchObject({
      version: '0.5.9',
      monaiVersion: '1.3.0',
      pytorchVersion: '2.1.0',
      numpyVersion: '1.26.2',
      name: 'Spleen CT segmentation',
    });
    expect(bundle.metadata?.optionalPackagesVersion).toEqual({ nibabel: '5.2.0', 'pytorch-ignite': '0.4.11', tensorboard: '2.15.1' });
    expect(bundle.metadata?.inputs.image).toMatchObject({
      type: 'image',
      modality: 'CT',
      numChannels: 1,
      spatialShape: [96, 96, 96],
      isPatchData: true,
    });
    expect(bundle.metadata?.channels).toEqual(['background', 'spleen']);
    expect(bundle.labels).toEqual(['spleen']);
    expect(bundle.spacingMm).toEqual([1.5, 1.5, 2.0]);
    expect(bundle.trainConfig).toBe('configs/train.json');
    expect(bundle.inferenceConfig).toBe('configs/inference.json');

    const train = resolveBundle(bundle);
    expect(train.raw('network_def#out_channels')).toBe('@num_classes');
    expect(train.resolve('network_def#out_channels')).toBe(2);
    // `@##inferer` inside train#trainer is train#inferer; `%train#postprocessing` copies the training post-processing.
    expect(train.raw('train#trainer#inferer')).toBe('@train#inferer');
    expect(train.resolve('train#trainer#inferer')).toEqual({ _target_: 'SimpleInferer' });
    expect(train.resolve('validate#postprocessing#transforms#1#to_onehot')).toBe(2);
    expect(train.expressions.find((e) => e.id === 'train#dataset#data')).toMatchObject({
      expression: "[{'image': i, 'label': l} for i, l in zip(@images[:-9], @labels[:-9])]",
      references: ['images', 'labels'],
    });
    expect(train.components.find((c) => c.id === 'train#trainer')?.target).toBe('SupervisedTrainer');
    expect(train.references.filter((r) => !r.exists)).toEqual([]);
    expect(train.resolve('_meta_#version')).toBe('0.5.9');

    const inference = resolveBundle(bundle, { configFiles: ['configs/inference.json'] });
    expect(inference.resolve('network_def')).toMatchObject({ _target_: 'UNet', out_channels: 2, channels: [16, 32, 64, 128, 256] });
    expect(inference.locate('network_def#out_channels')).toMatchObject({
      file: 'configs/train.json',
      pointer: '/network_def/out_channels',
      via: { file: 'configs/inference.json', pointer: '/network_def' },
    });

    const multi = resolveBundle(bundle, { configFiles: ['configs/train.json', 'configs/multi_gpu_train.json'] });
    expect(multi.resolve('train#dataloader#sampler')).toMatchObject({ _target_: 'DistributedSampler', shuffle: true });
    expect(multi.raw('train#dataloader#shuffle')).toBe(false);
    expect(multi.raw('train#dataloader#batch_size')).toBe(2);
    expect(multi.locate('train#dataloader#sampler')).toEqual({
      file: 'configs/multi_gpu_train.json',
      pointer: '/train#dataloader#sampler',
    });
  });

  it('DeepEdit (JSON): label_names, out_channels as $len(@label_names), pixdim through @spacing', () => {
    const bundle = parseBundle(bundleFixture('spleen_deepedit_annotation'));
    expect(bundle.metadata?.monaiVersion).toBe('1.2.0');
    expect(bundle.labels).toEqual(['spleen']);
    expect(bundle.spacingMm).toEqual([1.5, 1.5, 2.0]);
    const train = resolveBundle(bundle);
    expect(train.resolve('label_names')).toEqual({ spleen: 1, background: 0 });
    const guidance = train.components.filter((c) => c.target === 'AddGuidanceSignalDeepEditd').map((c) => c.id);
    expect(guidance).toEqual(['train#click_transforms#transforms#5', 'train#preprocessing#transforms#9']);
    expect(train.expressions.find((e) => e.id === 'network_def#in_channels')).toMatchObject({
      expression: 'len(@label_names) + @number_intensity_ch',
      references: ['label_names', 'number_intensity_ch'],
    });
    expect(train.resolve('train#trainer#max_epochs')).toBe(80);
    expect(validateBundle(bundle)).toEqual([]);
  });

  it('classification (YAML): values as PyYAML reads them, comments kept, positions of YAML values', () => {
    const files = bundleFixture('endoscopic_inbody_classification');
    const bundle = parseBundle(files);
    expect(bundle.trainConfig).toBe('configs/train.yaml');
    expect(bundle.labels).toEqual(['in body', 'out body']);
    expect(bundle.metadata?.outputs.pred?.type).toBe('probabilities');
    expect(bundle.spacingMm).toBeUndefined();
    const train = resolveBundle(bundle);
    expect(train.resolve('learning_rate')).toBe(0.001);
    expect(train.resolve('optimizer#lr')).toBe('$@learning_rate');
    expect(train.resolve('network_def')).toEqual({ _target_: 'SEResNet50', spatial_dims: 2, in_channels: 3, num_classes: 2 });
    expect(train.resolve('bundle_root')).toBe('.');
    expect(train.resolve('train#preprocessing#transforms#0#converter')).toBe('$lambda x: monai.data.MetaTensor(x)');
    const document = bundle.configs.get('configs/train.yaml');
    const line = (files['configs/train.yaml'] as string).split('\n').indexOf('    max_epochs: 25  # about 2 hours on one GPU') + 1;
    expect(line).toBeGreaterThan(90);
    expect(document && bundleConfigPosition(document, '/train/trainer/max_epochs')).toEqual({ line, column: 17 });
    expect(validateBundle(bundle)).toEqual([]);
  });

  it.each(BUNDLES)('%s: every configuration stringifies to its exact text, and validates clean', (name) => {
    const files = bundleFixture(name);
    const bundle = parseBundle(files);
    for (const [path, document] of bundle.configs) expect(stringifyBundleConfig(document)).toBe(files[path]);
    expect(validateBundle(files, { fileExists: () => true })).toEqual([]);
  });
});

describe('Node folder helpers', () => {
  it.each(BUNDLES)('%s: readBundle -> writeBundle writes every file byte for byte, models as bytes', async (name) => {
    const target = await mkdtemp(join(tmpdir(), 'medaas-bundle-'));
    temporary.push(target);
    const bundle = await readBundle(join(BUNDLE_FIXTURES, name));
    const model = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x80]);
    await writeBundle(target, { ...bundle.files, 'models/model.pt': model });
    for (const path of Object.keys(bundle.files))
      expect(await readFile(join(target, path))).toEqual(await readFile(join(BUNDLE_FIXTURES, name, path)));
    const again = await readBundleFiles(target);
    expect(again['models/model.pt']).toEqual(model);
    expect(Object.keys(again).sort()).toEqual([...Object.keys(bundle.files), 'models/model.pt'].sort());
  });

  it('writeBundle refuses a path outside the folder before writing anything', async () => {
    const target = await mkdtemp(join(tmpdir(), 'medaas-bundle-'));
    temporary.push(target);
    await expect(writeBundle(target, { 'configs/a.json': '{}', '../escape.json': '{}' })).rejects.toMatchObject({
      code: 'MMAR_UNSAFE_PATH',
    });
    await expect(readBundleFiles(target)).resolves.toEqual({});
  });

  it('readBundle of a folder that does not exist is MMAR_IO', async () => {
    await expect(readBundle(join(tmpdir(), 'medaas-no-such-bundle'))).rejects.toMatchObject({ code: 'MMAR_IO' });
  });
});

const pyyaml = ((): boolean => {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(pyyaml || process.env.CI)('YAML reads exactly as PyYAML reads it (MONAI uses yaml.safe_load)', () => {
  const dump = (text: string): unknown =>
    JSON.parse(
      execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], {
        input: text,
        encoding: 'utf8',
      }),
    );

  it('the YAML fixtures', () => {
    const files = bundleFixture('endoscopic_inbody_classification');
    for (const path of ['configs/train.yaml', 'configs/inference.yaml'])
      expect(parseBundleConfig(files[path] as string, { file: path }).value).toEqual(dump(files[path] as string));
  });

  it('the scalars where YAML 1.1, YAML 1.2 and PyYAML disagree', () => {
    const text = [
      'a: 1e-4',
      'b: 1.0e-4',
      'c: 1.0e4',
      'd: yes',
      'e: y',
      'f: off',
      'g: 010',
      'h: 0o7',
      'i: 0x1F',
      'j: 1_000',
      'k: 1:30',
      'l: -.5',
      'm: ~',
      'n: Null',
      'o: 0b101',
      'p: +12',
      'q: .5',
      'r: 3.',
      's: 09',
      't: "1.5"',
      "u: '@x'",
      'v: $@a + 1',
      'w: [1, 2.50, true]',
      'x: &anchor {k: 1}',
      'y: *anchor',
      'z: {<<: *anchor, j: 2}',
      '',
    ].join('\n');
    expect(parseBundleConfig(text, { file: 'x.yaml' }).value).toEqual(dump(text));
  });
});
