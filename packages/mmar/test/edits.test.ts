import { describe, expect, it } from 'vitest';
import {
  editConfig,
  editMmarConfig,
  enableFineTuning,
  parseConfigTrain,
  setEpochs,
  setLabels,
  setLearningRate,
  setMultiGpu,
  stringifyConfig,
  validateMmar,
} from '@medaas/mmar';
import { changedLines, fixtureFiles, fixtureText } from './helpers.js';

const spleenTrain = (): string => fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_train.json');

describe('configuration edits', () => {
  it('setEpochs changes the epochs global and nothing else', () => {
    const text = spleenTrain();
    const edited = setEpochs(parseConfigTrain(text), 300);
    expect(changedLines(text, stringifyConfig(edited))).toEqual([['  "epochs": 1260,', '  "epochs": 300,']]);
    expect(edited.value.epochs).toBe(300);
  });

  it('setLearningRate keeps the exponential spelling', () => {
    const text = spleenTrain();
    expect(changedLines(text, setLearningRate(parseConfigTrain(text), 0.00001).text)).toEqual([
      ['  "learning_rate": 2e-4,', '  "learning_rate": 1e-5,'],
    ]);
  });

  it('edits literal settings when the components do not use the globals, and inserts missing globals before "train"', () => {
    const literal =
      '{\n  "train": {\n    "loss": {"name": "DiceLoss"},\n    "optimizer": {"name": "Adam", "args": {"lr": 0.001}},\n    "model": {"name": "UNet"},\n    "pre_transforms": [],\n    "dataset": {"name": "Dataset"},\n    "dataloader": {"name": "DataLoader"},\n    "trainer": {"name": "SupervisedTrainer", "args": {"max_epochs": 100}}\n  }\n}';
    const config = parseConfigTrain(literal);
    expect(setLearningRate(config, 0.01).text).toBe(literal.replace('"lr": 0.001', '"lr": 0.01'));
    expect(setEpochs(config, 7).text).toBe(literal.replace('"max_epochs": 100', '"max_epochs": 7'));
    const noArgs = parseConfigTrain(literal.replace(', "args": {"max_epochs": 100}', ''));
    expect(setEpochs(noArgs, 7).text).toBe(
      literal.replace(', "args": {"max_epochs": 100}', '').replace('{\n  "train"', '{\n  "epochs": 7,\n  "train"'),
    );
  });

  it('refuses nonsense values and edits that break the configuration', () => {
    const config = parseConfigTrain(spleenTrain());
    for (const epochs of [0, -1, 1.5, Number.NaN])
      expect(() => setEpochs(config, epochs)).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => setLearningRate(config, Number.POSITIVE_INFINITY)).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    expect(() => editConfig(config, { '/train/loss': 'DiceLoss' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_CONFIG', details: expect.objectContaining({ pointer: '/train/loss' }) }),
    );
    expect(() => editConfig(config, { '/train/nope/x': 1 })).toThrowError(expect.objectContaining({ code: 'MMAR_POINTER_NOT_FOUND' }));
  });

  it('editConfig sets, inserts and removes in one go', () => {
    const text = spleenTrain();
    const edited = editConfig(parseConfigTrain(text), {
      '/train/dataloader/args/batch_size': 4,
      '/amp': undefined,
      '/train/dataloader/args/pin_memory': true,
    });
    expect(edited.value.amp).toBeUndefined();
    expect(edited.value.train?.dataloader?.args).toEqual({ batch_size: 4, shuffle: true, num_workers: 4, pin_memory: true });
    expect(edited.text).toContain('        "num_workers": 4,\n        "pin_memory": true\n      }');
    expect(edited.text.length).toBe(text.length - '  "amp": true,\n'.length + ',\n        "pin_memory": true'.length);
  });
});

describe('MMAR edits', () => {
  it('setLabels makes AIAA labels, out_channels, n_classes and the data list labels agree', () => {
    const files = fixtureFiles('clara_pt_spleen_ct_segmentation');
    const edited = setLabels(files, ['spleen', 'accessory_spleen']);
    expect(changedLines(files['config/config_train.json'] as string, edited['config/config_train.json'] as string)).toEqual([
      ['        "out_channels": 2,', '        "out_channels": 3,'],
      ['          "n_classes": 2', '          "n_classes": 3'],
    ]);
    expect(changedLines(files['config/config_validation.json'] as string, edited['config/config_validation.json'] as string)).toEqual([
      ['        "n_classes": 2', '        "n_classes": 3'],
    ]);
    expect(JSON.parse(edited['config/config_aiaa.json'] as string).labels).toEqual(['spleen', 'accessory_spleen']);
    expect(JSON.parse(edited['config/dataset_0.json'] as string).labels).toEqual({
      '0': 'background',
      '1': 'spleen',
      '2': 'accessory_spleen',
    });
    expect(edited['commands/train.sh']).toBe(files['commands/train.sh']);
    expect(validateMmar(edited)).toEqual([]);
  });

  it('setLabels edits the variable that out_channels refers to', () => {
    const files = fixtureFiles('byoc_segmentation');
    const edited = setLabels(files, ['kidney', 'cyst', 'tumour']);
    expect(edited['config/config_train.json']).toBe(files['config/config_train.json']);
    expect(changedLines(files['config/environment.json'] as string, edited['config/environment.json'] as string)).toEqual([
      ['\t"NUM_CLASSES": 3', '\t"NUM_CLASSES": 4'],
    ]);
    expect(validateMmar(edited)).toEqual([]);
    expect(() => setLabels(files, [])).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => setLabels(files, ['a', 'a'])).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
  });

  it('setLabels counts no background channel for a sigmoid loss', () => {
    const files = fixtureFiles('clara_pt_deepgrow_3d_annotation');
    const edited = setLabels(files, ['organ']);
    expect(edited['config/config_train.json']).toBe(files['config/config_train.json']);
  });

  it('setMultiGpu sets multi_gpu and renders train_multi_gpu.sh for N GPUs', () => {
    const files = fixtureFiles('clara_pt_liver_and_tumor_ct_segmentation');
    const edited = setMultiGpu(files, { gpus: 4 });
    expect(changedLines(files['config/config_train.json'] as string, edited['config/config_train.json'] as string)).toEqual([
      ['    "multi_gpu": false,', '    "multi_gpu": true,'],
    ]);
    expect(edited['commands/train_multi_gpu.sh']).toContain('--nproc_per_node=4');
    expect(edited['commands/train_multi_gpu.sh']).toContain('multi_gpu=True');
    expect(setMultiGpu(edited, { gpus: 1 })['config/config_train.json']).toBe(files['config/config_train.json']);
    expect(() => setMultiGpu(files, { gpus: 0 })).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
  });

  it('enableFineTuning points MMAR_CKPT at the checkpoint and renders finetune.sh', () => {
    const files = fixtureFiles('clara_pt_spleen_ct_segmentation');
    const edited = enableFineTuning(files, { checkpoint: 'models/pretrained.pt' });
    expect(changedLines(files['config/environment.json'] as string, edited['config/environment.json'] as string)).toEqual([
      ['  "MMAR_CKPT": "models/model.pt",', '  "MMAR_CKPT": "models/pretrained.pt",'],
    ]);
    expect(edited['config/config_train.json']).toBe(files['config/config_train.json']);
    expect(edited['commands/finetune.sh']).toContain('dont_load_ckpt_model=False');
    expect(edited['commands/finetune.sh']).toContain('MMAR_CKPT=models/pretrained.pt');
    expect(() => enableFineTuning(files, { checkpoint: '../elsewhere.pt' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_UNSAFE_PATH' }),
    );
  });

  it('enableFineTuning adds a CheckpointLoader first among the handlers when there is none', () => {
    const files = fixtureFiles('byoc_segmentation');
    const edited = enableFineTuning(files);
    const train = JSON.parse(edited['config/config_train.json'] as string);
    expect(train.dont_load_ckpt_model).toBe(true);
    expect(train.train.handlers[0]).toEqual({
      name: 'CheckpointLoader',
      disabled: '{dont_load_ckpt_model}',
      args: { load_path: '{MMAR_CKPT}', load_dict: ['model'] },
    });
    expect(train.train.handlers[1].path).toBe('custom_handlers.SlackNotifier');
    expect(edited['config/config_train.json']).toContain('\t\t"handlers": [\r\n\t\t\t{\r\n\t\t\t\t"name": "CheckpointLoader",');
    expect(edited['config/config_train.json']).toContain('\t"multi_gpu": false,\r\n\t"dont_load_ckpt_model": true,\r\n\t"train": {');
    expect(validateMmar(edited)).toEqual([]);
  });

  it('editMmarConfig refuses files that are not configurations or are absent', () => {
    const files = fixtureFiles('clara_pt_spleen_ct_segmentation');
    expect(() => editMmarConfig(files, 'commands/train.sh', {})).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    const withoutInference = Object.fromEntries(Object.entries(files).filter(([path]) => path !== 'config/config_inference.json'));
    expect(() => editMmarConfig(withoutInference, 'config/config_inference.json', {})).toThrowError(
      expect.objectContaining({ code: 'MMAR_MISSING_FILE' }),
    );
  });
});
