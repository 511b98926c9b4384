import { describe, expect, it } from 'vitest';
import {
  editBundleConfig,
  enableBundleFineTuning,
  parseBundle,
  parseBundleConfig,
  resolveBundle,
  setBundleEpochs,
  setBundleLabels,
  setBundleLearningRate,
  setBundleMultiGpu,
  validateBundle,
  type Bundle,
} from '@medaas/mmar/bundle';
import { bundleFixture, lineDiff } from './bundle-helpers.js';

/** The line diff of every file an edit changed, by path. */
function changes(before: Bundle, after: Bundle): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const path of Object.keys(after.files)) {
    if (after.files[path] !== before.files[path])
      out[path] = lineDiff((before.files[path] as string | undefined) ?? '', after.files[path] as string);
  }
  return out;
}

const spleen = (): Bundle => parseBundle(bundleFixture('spleen_ct_segmentation'));
const deepedit = (): Bundle => parseBundle(bundleFixture('spleen_deepedit_annotation'));
const classification = (): Bundle => parseBundle(bundleFixture('endoscopic_inbody_classification'));

describe('epochs and learning rate', () => {
  it('JSON: the literal max_epochs and lr lines, nothing else', () => {
    const bundle = spleen();
    expect(changes(bundle, setBundleEpochs(bundle, 20))).toEqual({
      'configs/train.json': ['-            "max_epochs": 100,', '+            "max_epochs": 20,'],
    });
    expect(changes(bundle, setBundleLearningRate(bundle, 2e-5))).toEqual({
      'configs/train.json': ['-        "lr": 1e-4', '+        "lr": 2e-5'],
    });
  });

  it('DeepEdit: follows "@epochs" and "@learning_rate" to where the numbers are written', () => {
    const bundle = deepedit();
    const edited = setBundleEpochs(bundle, 5);
    expect(changes(bundle, edited)).toEqual({ 'configs/train.json': ['-  "epochs": 80,', '+  "epochs": 5,'] });
    expect(resolveBundle(edited).resolve('train#trainer#max_epochs')).toBe(5);
    expect(changes(bundle, setBundleLearningRate(bundle, 0.0005))).toEqual({
      'configs/train.json': ['-  "learning_rate": 0.0001,', '+  "learning_rate": 0.0005,'],
    });
  });

  it('YAML: only the scalar changes, its comment stays, and the float reads back as a float in PyYAML', () => {
    const bundle = classification();
    expect(changes(bundle, setBundleEpochs(bundle, 3))).toEqual({
      'configs/train.yaml': ['-    max_epochs: 25  # about 2 hours on one GPU', '+    max_epochs: 3  # about 2 hours on one GPU'],
    });
    const edited = setBundleLearningRate(bundle, 5e-5);
    expect(changes(bundle, edited)).toEqual({
      'configs/train.yaml': ['-learning_rate: 1.0e-03   # Adam, as in the paper', '+learning_rate: 5.0e-5   # Adam, as in the paper'],
    });
    expect(resolveBundle(edited).resolve('learning_rate')).toBe(5e-5);
  });

  it('refuses nonsense values and settings it cannot edit', () => {
    const bundle = spleen();
    for (const epochs of [0, -1, 1.5, Number.NaN])
      expect(() => setBundleEpochs(bundle, epochs)).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => setBundleLearningRate(bundle, Number.POSITIVE_INFINITY)).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    const expression = parseBundle({
      ...bundle.files,
      'configs/train.json': (bundle.files['configs/train.json'] as string).replace('"lr": 1e-4', '"lr": "$1e-4 * 2"'),
    });
    expect(() => setBundleLearningRate(expression, 1e-3)).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_CONFIG' }));
  });
});

describe('labels', () => {
  it('segmentation: channel_def, num_channels, num_classes (behind @num_classes) and every to_onehot agree', () => {
    const bundle = spleen();
    const edited = setBundleLabels(bundle, ['spleen', 'accessory spleen']);
    expect(changes(bundle, edited)).toEqual({
      'configs/evaluate.json': ['-                "to_onehot": 2', '+                "to_onehot": 3'],
      'configs/inference.json': ['-    "num_classes": 2,', '+    "num_classes": 3,'],
      'configs/metadata.json': [
        '-                "num_channels": 2,',
        '+                "num_channels": 3,',
        '-                    "1": "spleen"',
        '+                    "1": "spleen",',
        '+                    "2": "accessory spleen"',
      ],
      'configs/train.json': [
        '-    "num_classes": 2,',
        '+    "num_classes": 3,',
        '-                    "to_onehot": 2',
        '+                    "to_onehot": 3',
      ],
    });
    expect(edited.labels).toEqual(['spleen', 'accessory spleen']);
    expect(validateBundle(edited)).toEqual([]);
  });

  it('DeepEdit: label_names gains the label; $len(@label_names) counts follow by themselves', () => {
    const bundle = deepedit();
    const edited = setBundleLabels(bundle, ['spleen', 'splenic vein']);
    expect(changes(bundle, edited)['configs/train.json']).toEqual(['+    "splenic vein": 2,']);
    expect(resolveBundle(edited).resolve('label_names')).toEqual({ spleen: 1, 'splenic vein': 2, background: 0 });
    expect(validateBundle(edited)).toEqual([]);
    // Before the edit the counts would disagree: one more label in metadata only is a finding.
    const metadataOnly = parseBundle({ ...bundle.files, 'configs/metadata.json': edited.files['configs/metadata.json'] as string });
    expect(validateBundle(metadataOnly).map((i) => [i.code, i.file, i.pointer])).toEqual([
      ['MMAR_OUT_CLASSES_MISMATCH', 'configs/train.json', '/network_def/out_channels'],
      ['MMAR_OUT_CLASSES_MISMATCH', 'configs/train.json', '/train/postprocessing/transforms/1/to_onehot'],
    ]);
  });

  it('classification in YAML: no background channel, the network num_classes and to_onehot in YAML', () => {
    const bundle = classification();
    const edited = setBundleLabels(bundle, ['in body', 'out body', 'unclear']);
    expect(changes(bundle, edited)).toEqual({
      'configs/metadata.json': [
        '-                "num_channels": 2,',
        '+                "num_channels": 3,',
        '-                    "1": "out body"',
        '+                    "1": "out body",',
        '+                    "2": "unclear"',
      ],
      'configs/train.yaml': ['-  num_classes: 2', '+  num_classes: 3', '-      to_onehot: 2', '+      to_onehot: 3'],
    });
    expect(validateBundle(edited)).toEqual([]);
    expect(() => setBundleLabels(bundle, [])).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => setBundleLabels(bundle, ['a', 'a'])).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
  });
});

describe('fine-tuning', () => {
  it('JSON: a CheckpointLoader first among the trainer handlers, nothing else', () => {
    const bundle = spleen();
    const edited = enableBundleFineTuning(bundle);
    expect(changes(bundle, edited)).toEqual({
      // The new item's opening brace shares its line with the old first item's, so the diff shows it last.
      'configs/train.json': [
        '+                "_target_": "CheckpointLoader",',
        `+                "load_path": "$@bundle_root + '/models/model.pt'",`,
        '+                "load_dict": {',
        '+                    "model": "@network"',
        '+                },',
        '+                "map_location": "@device",',
        '+                "strict_shape": false',
        '+            },',
        '+            {',
      ],
    });
    const run = resolveBundle(edited);
    expect(run.resolve('train#handlers#0')).toMatchObject({
      _target_: 'CheckpointLoader',
      load_path: "$@bundle_root + '/models/model.pt'",
      strict_shape: false,
    });
    expect(run.resolve('train#handlers#1#_target_')).toBe('ValidationHandler');
    expect(validateBundle(edited)).toEqual([]);
    // Again with another checkpoint: the loader's load_path changes, no second loader.
    const again = enableBundleFineTuning(edited, { checkpoint: '/scratch/pretrained/spleen.pt' });
    expect(changes(edited, again)).toEqual({
      'configs/train.json': [
        `-                "load_path": "$@bundle_root + '/models/model.pt'",`,
        '+                "load_path": "/scratch/pretrained/spleen.pt",',
      ],
    });
    expect(() => enableBundleFineTuning(bundle, { checkpoint: "../x'.pt" })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
  });

  it('YAML: the loader goes in as a block item before the first handler', () => {
    const bundle = classification();
    const edited = enableBundleFineTuning(bundle, { checkpoint: 'models/pretrained.pt' });
    expect(changes(bundle, edited)).toEqual({
      'configs/train.yaml': [
        '+  - _target_: CheckpointLoader',
        "+    load_path: $@bundle_root + '/models/pretrained.pt'",
        '+    load_dict:',
        '+      model: "@network"',
        '+    map_location: "@device"',
        '+    strict_shape: false',
      ],
    });
    expect(resolveBundle(edited).resolve('train#handlers#0#load_path')).toBe("$@bundle_root + '/models/pretrained.pt'");
    expect(validateBundle(edited)).toEqual([]);
  });
});

describe('multi-GPU', () => {
  it('adds a zoo-shaped multi_gpu_train overlay when absent, and renders the torchrun command', () => {
    const files = bundleFixture('spleen_ct_segmentation');
    const bundle = parseBundle(Object.fromEntries(Object.entries(files).filter(([path]) => path !== 'configs/multi_gpu_train.json')));
    const { bundle: edited, command } = setBundleMultiGpu(bundle, { gpus: 4, bundleDir: '/scratch/spleen' });
    expect(Object.keys(changes(bundle, edited))).toEqual(['configs/multi_gpu_train.json']);
    const overlay = JSON.parse(edited.files['configs/multi_gpu_train.json'] as string);
    expect(overlay).toMatchObject({
      device: "$torch.device(f'cuda:{dist.get_rank()}')",
      network: { _target_: 'torch.nn.parallel.DistributedDataParallel', module: '$@network_def.to(@device)', device_ids: ['@device'] },
      'train#sampler': { _target_: 'DistributedSampler', dataset: '@train#dataset', even_divisible: true, shuffle: true },
      'train#dataloader#sampler': '@train#sampler',
      'train#dataloader#shuffle': false,
      'train#handlers#1#_disabled_': '$dist.get_rank() > 0',
      'train#handlers#2#_disabled_': '$dist.get_rank() > 0',
      'validate#handlers#2#_disabled_': '$dist.get_rank() > 0',
      run: ['$@train#trainer.run()'],
      finalize: ['$dist.is_initialized() and dist.destroy_process_group()'],
    });
    expect(overlay.initialize).toEqual([
      '$import torch.distributed as dist',
      "$dist.is_initialized() or dist.init_process_group(backend='nccl')",
      '$torch.cuda.set_device(@device)',
      '$monai.utils.set_determinism(seed=123)',
    ]);
    expect(edited.files['configs/multi_gpu_train.json']).toContain('\n        "device_ids": ["@device"]\n');
    expect(command.line).toBe(
      `cd /scratch/spleen && torchrun --standalone --nnodes=1 --nproc_per_node=4 -m monai.bundle run --meta_file configs/metadata.json --config_file "['configs/train.json','configs/multi_gpu_train.json']" --logging_file configs/logging.conf`,
    );
    expect(validateBundle(edited)).toEqual([]);
    const run = resolveBundle(edited, { configFiles: ['configs/train.json', 'configs/multi_gpu_train.json'] });
    expect(run.resolve('train#trainer#train_data_loader')).toMatchObject({
      shuffle: false,
      sampler: { _target_: 'DistributedSampler', dataset: { _target_: 'CacheDataset' } },
    });
  });

  it('keeps an existing overlay, writes a YAML one for a YAML bundle, and does nothing for one GPU', () => {
    const bundle = spleen();
    const kept = setBundleMultiGpu(bundle, { gpus: 2 });
    expect(kept.bundle.files).toBe(bundle.files);
    expect(setBundleMultiGpu(bundle, { gpus: 1 }).command.command).toBe(
      'python -m monai.bundle run --meta_file configs/metadata.json --config_file configs/train.json --logging_file configs/logging.conf',
    );
    const yaml = classification();
    const { bundle: edited } = setBundleMultiGpu(yaml, { gpus: 2 });
    const overlay = edited.configs.get('configs/multi_gpu_train.yaml');
    expect(overlay?.format).toBe('yaml');
    expect(overlay?.value).toMatchObject({
      'train#dataloader#sampler': '@train#sampler',
      'validate#dataloader#sampler': '@validate#sampler',
    });
    expect(validateBundle(edited)).toEqual([]);
    expect(() => setBundleMultiGpu(bundle, { gpus: 0 })).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
  });
});

describe('editBundleConfig on YAML', () => {
  it('set, insert and remove change only their own lines', () => {
    const text = '# head\nnet:\n  _target_: UNet   # 3D\n  channels: [16, 32]\nhandlers:\n- _target_: StatsHandler\n- _target_: Saver\n';
    const document = parseBundleConfig(text, { file: 'configs/x.yaml' });
    expect(editBundleConfig(document, { '/net/channels': [8, 16, 32] }).text).toBe(text.replace('[16, 32]', '[8, 16, 32]'));
    expect(editBundleConfig(document, { '/net/_target_': 'DynUNet' }).text).toBe(text.replace('UNet   #', 'DynUNet   #'));
    expect(editBundleConfig(document, { '/net/norm': 'batch' }).text).toBe(text.replace('[16, 32]\n', '[16, 32]\n  norm: batch\n'));
    expect(editBundleConfig(document, { '/handlers/0': undefined }).text).toBe(text.replace('- _target_: StatsHandler\n', ''));
    expect(editBundleConfig(document, { '/net/_target_': '@other' }).value).toMatchObject({ net: { _target_: '@other' } });
    expect(editBundleConfig(document, { '/net/_target_': 'yes' }).value).toMatchObject({ net: { _target_: 'yes' } });
    expect(() => editBundleConfig(document, { '/nope/x': 1 })).toThrowError(expect.objectContaining({ code: 'MMAR_POINTER_NOT_FOUND' }));
  });
});
