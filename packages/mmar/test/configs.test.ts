import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import {
  MmarError,
  configKindOf,
  isByocComponent,
  globalVariables,
  parseConfig,
  parseConfigAiaa,
  parseConfigTrain,
  parseConfigValidation,
  parseConfigInference,
  parseEnvironment,
  stringifyConfig,
  type ComponentConfig,
} from '@medaas/mmar';
import { MMAR_FIXTURES, fixtureFiles, fixtureText } from './helpers.js';

function configError(fn: () => unknown): MmarError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MmarError) return error;
    throw error;
  }
  throw new Error('expected an MmarError');
}

describe('MMARs in the published layouts', () => {
  for (const mmar of MMAR_FIXTURES) {
    it(`${mmar}: every configuration parses without findings and stringifies back byte for byte`, () => {
      const files = fixtureFiles(mmar);
      const configs = Object.keys(files).filter((p) => p.startsWith('config/') && configKindOf(p) !== undefined);
      expect(configs.length).toBeGreaterThanOrEqual(2);
      for (const path of configs) {
        const text = files[path] as string;
        const document = parseConfig(configKindOf(path) ?? 'train', text, { file: path, strict: true });
        expect(stringifyConfig(document)).toBe(text);
        expect(document.value).toEqual(JSON.parse(text));
        expect(document.findings, path).toEqual([]);
        expect(document.generation === 'unknown', path).toBe(document.kind === 'environment');
      }
    });
  }

  it('reads the spleen training configuration as typed values', () => {
    const config = parseConfigTrain(fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_train.json'));
    expect(config.value.epochs).toBe(1260);
    expect(config.value.learning_rate).toBe(0.0002);
    expect(config.value.train?.model).toEqual({
      name: 'UNet',
      args: {
        dimensions: 3,
        in_channels: 1,
        out_channels: 2,
        channels: [16, 32, 64, 128, 256],
        strides: [2, 2, 2, 2],
        num_res_units: 2,
        norm: 'batch',
      },
    });
    expect(config.value.train?.pre_transforms?.map((t) => ('name' in t ? t.name : undefined))).toContain('RandCropByPosNegLabeld');
    expect(config.value.train?.dataset?.data_list_key).toBe('training');
    expect(config.generation).toBe('clara4');
    expect(config.findings).toEqual([]);
    expect(config.value.validate?.metrics?.[0]?.log_label).toBe('val_mean_dice');
    expect(Object.keys(globalVariables(config.value))).toEqual([
      'epochs',
      'num_interval_per_valid',
      'learning_rate',
      'multi_gpu',
      'amp',
      'determinism',
      'cudnn_benchmark',
      'dont_load_ckpt_model',
    ]);
  });

  it('reads the validation config whose model is a TorchScript file or a checkpoint', () => {
    const validation = parseConfigValidation(fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_validation.json'));
    expect(validation.value.model).toEqual([
      { ts_path: '{MMAR_TORCHSCRIPT}', disabled: '{dont_load_ts_model}' },
      { ckpt_path: '{MMAR_CKPT}', disabled: '{dont_load_ckpt_model}' },
    ]);
    expect(validation.value.metrics?.map((m) => m.log_label)).toEqual(['val_mean_dice', 'val_acc']);
  });

  it('reads the inference config: the exported model first, no metrics', () => {
    const inference = parseConfigInference(fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_inference.json'));
    expect(inference.value.model).toEqual([
      { ts_path: '{MMAR_TORCHSCRIPT}', disabled: '{dont_load_ts_model}' },
      { ckpt_path: '{MMAR_CKPT}', disabled: '{dont_load_ckpt_model}' },
    ]);
    expect(inference.value.metrics).toBeUndefined();
    expect(inference.value['dataset']).toMatchObject({ data_list_key: 'validation' });
    expect(inference.value.inferer).toEqual({
      name: 'SlidingWindowInferer',
      args: { roi_size: [160, 160, 160], sw_batch_size: 4, overlap: 0.5 },
    });
    // The same text without its model is kept, and the missing model is a finding at the top.
    const broken = JSON.stringify({
      ...JSON.parse(fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_inference.json')),
      model: undefined,
    });
    expect(parseConfigInference(broken).findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'MMAR_UNKNOWN_SHAPE',
        pointer: '',
        line: 1,
        column: 1,
        message: expect.stringMatching(/no "model"/),
      }),
    ]);
  });

  it('reads the environment and the AIAA configs', () => {
    const env = parseEnvironment(fixtureText('clara_pt_spleen_ct_segmentation', 'config/environment.json'));
    expect(env.value).toMatchObject({
      DATA_ROOT: '/workspace/data/Task09_Spleen',
      DATASET_JSON: 'config/dataset_0.json',
      MMAR_CKPT_DIR: 'models',
    });
    expect(parseConfigAiaa(fixtureText('clara_pt_liver_and_tumor_ct_segmentation', 'config/config_aiaa.json')).value.labels).toEqual([
      'liver',
      'tumor',
    ]);
    expect(parseConfigAiaa(fixtureText('clara_pt_deepgrow_3d_annotation', 'config/config_aiaa.json')).value.type).toBe('deepgrow');
  });

  it('accepts Bring Your Own Components next to named ones', () => {
    const config = parseConfigTrain(fixtureText('byoc_segmentation', 'config/config_train.json'));
    const { loss, model, pre_transforms = [], handlers } = config.value.train ?? {};
    expect(loss && isByocComponent(loss)).toBe(true);
    expect(loss).toEqual({ path: 'custom_losses.FocalDiceLoss', args: { gamma: 2.0, include_background: false } });
    expect(isByocComponent(model as ComponentConfig)).toBe(true);
    expect(pre_transforms.map((t) => isByocComponent(t))).toEqual([false, false, true, false]);
    expect(handlers?.[0]).toMatchObject({ path: 'custom_handlers.SlackNotifier', rank: 0 });
    expect(config.value.train?.['x_team_notes']).toBe('kept as is by @medaas/mmar');
    const deepgrow = parseConfigTrain(fixtureText('clara_pt_deepgrow_3d_annotation', 'config/config_train.json'));
    expect(deepgrow.value.train?.pre_transforms?.filter((t) => isByocComponent(t))).toHaveLength(4);
  });
});

describe('bad configurations', () => {
  const minimal = {
    epochs: 10,
    train: {
      loss: { name: 'DiceLoss' },
      optimizer: { name: 'Adam', args: { lr: 0.001 } },
      model: { name: 'UNet', args: {} },
      pre_transforms: [{ name: 'LoadImaged', args: { keys: ['image'] } }],
      dataset: { name: 'Dataset', data_list_key: 'training' },
      dataloader: { name: 'DataLoader' },
      trainer: { name: 'SupervisedTrainer' },
    },
  };

  it('accepts a minimal training configuration', () => {
    const config = parseConfigTrain(JSON.stringify(minimal));
    expect(config.value.train?.loss).toEqual({ name: 'DiceLoss' });
    expect(config.findings).toEqual([]);
  });

  const wrongTypes: [unknown, string, RegExp][] = [
    [{ ...minimal, epochs: 'many' }, '/epochs', /expected a number or a \{variable\} reference but found a string/],
    [
      { ...minimal, train: { ...minimal.train, optimizer: { name: 'Adam', args: [0.001] } } },
      '/train/optimizer/args',
      /expected an object but found an array/,
    ],
    [
      { ...minimal, train: { ...minimal.train, pre_transforms: [{ name: 'LoadImaged' }, { args: {} }] } },
      '/train/pre_transforms/1',
      /needs "name".*"path"/,
    ],
    [{ ...minimal, train: { ...minimal.train, loss: { name: 'DiceLoss', ref: 'DiceLoss' } } }, '/train/loss', /not several/],
    [{ ...minimal, train: { ...minimal.train, loss: { path: 'no_dots' } } }, '/train/loss/path', /dotted Python class path/],
    [
      { ...minimal, train: { ...minimal.train, dataset: { name: 'Dataset', data_list_key: 3 } } },
      '/train/dataset/data_list_key',
      /expected a string but found a number/,
    ],
    [
      { ...minimal, train: { ...minimal.train, handlers: [{ name: 'X', disabled: 'yes' }] } },
      '/train/handlers/0/disabled',
      /boolean or a \{variable\}/,
    ],
    [
      {
        ...minimal,
        validate: {
          pre_transforms: [{ ref: 'Nope' }],
          dataset: { name: 'D' },
          dataloader: { name: 'L' },
          inferer: { name: 'I' },
          evaluator: { name: 'E' },
        },
      },
      '/validate/pre_transforms/0/ref',
      /names no component/,
    ],
    [[1, 2], '', /expected an object but found an array/],
  ];

  it('keeps a value Clara cannot use as an error finding with its pointer, line and column', () => {
    for (const [config, pointer, message] of wrongTypes) {
      const text = JSON.stringify(config, null, 2);
      const document = parseConfigTrain(text);
      expect(stringifyConfig(document)).toBe(text);
      const errors = document.findings.filter((f) => f.severity === 'error');
      expect(errors).toEqual([expect.objectContaining({ code: 'MMAR_INVALID_CONFIG', pointer, message: expect.stringMatching(message) })]);
      // The line and column are those of the value the pointer names (or of its closest existing parent).
      const line = errors[0]?.line ?? 0;
      expect(line).toBeGreaterThan(0);
      const segment = pointer
        .split('/')
        .filter((p) => p !== '' && !/^\d+$/.test(p))
        .at(-1);
      if (segment && pointer !== '/train/pre_transforms/1') expect(text.split('\n')[line - 1]).toContain(`"${segment}"`);
    }
  });

  it('with strict, throws the first error with the file and pointer', () => {
    for (const [config, pointer, message] of wrongTypes) {
      const error = configError(() => parseConfigTrain(JSON.stringify(config), { strict: true }));
      expect(error.code).toBe('MMAR_INVALID_CONFIG');
      expect(error.details).toMatchObject({ file: 'config/config_train.json', pointer });
      expect(error.message).toMatch(message);
    }
  });

  it('a missing section is a warning about the shape, never a rejection, even with strict', () => {
    const text = JSON.stringify({ ...minimal, train: { ...minimal.train, trainer: undefined } });
    const document = parseConfigTrain(text, { strict: true });
    expect(document.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'MMAR_UNKNOWN_SHAPE',
        pointer: '/train',
        message: expect.stringMatching(/no "trainer"/),
      }),
    ]);
  });

  it('with strict, lists every error in details, not only the first', () => {
    const error = configError(() =>
      parseConfigTrain(JSON.stringify({ train: { loss: 1, optimizer: 2, dataset: { name: 'D' } } }), { strict: true }),
    );
    const issues = error.details['issues'] as { pointer: string }[];
    expect(issues.map((i) => i.pointer)).toEqual(['/train/loss', '/train/optimizer']);
    expect(error.message).toMatch(/and 1 more/);
  });

  it('reports malformed JSON with file, line and column', () => {
    const text = fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_train.json').replace('"amp": true,', '"amp": true,,');
    const error = configError(() => parseConfigTrain(text));
    expect(error.code).toBe('MMAR_INVALID_JSON');
    expect(error.details).toMatchObject({ file: 'config/config_train.json', line: 6, column: 15 });
  });

  it('checks the environment, evaluation and AIAA shapes', () => {
    const errors = (document: { findings: readonly { severity: string; pointer: string }[] }): string[] =>
      document.findings.filter((f) => f.severity === 'error').map((f) => f.pointer);
    const warnings = (document: { findings: readonly { severity: string; message: string }[] }): string[] =>
      document.findings.filter((f) => f.severity === 'warning').map((f) => f.message);
    expect(warnings(parseEnvironment('{"DATA_ROOT": "/d", "DATASET_JSON": "x.json"}'))).toEqual([
      expect.stringMatching(/no "MMAR_CKPT_DIR"/),
    ]);
    expect(errors(parseEnvironment('{"DATA_ROOT": "/d", "DATASET_JSON": "x", "MMAR_CKPT_DIR": "m", "X": [1]}'))).toEqual(['/X']);
    expect(errors(parseEnvironment('{"DATA_ROOT": 3, "DATASET_JSON": "x", "MMAR_CKPT_DIR": "m"}'))).toEqual(['/DATA_ROOT']);
    expect(errors(parseConfigAiaa('{"version": 3, "type": "segmentation", "labels": ["a", 2]}'))).toEqual(['/labels/1']);
    expect(warnings(parseConfigInference('{"model": {"ts_path": "m.ts"}, "pre_transforms": []}'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/no "dataset"/)]),
    );
    expect(warnings(parseConfigValidation('{}'))).toEqual([expect.stringMatching(/matches neither/)]);
    expect(
      isMedaasError(
        configError(() => parseConfigAiaa('{"type": "segmentation", "labels": [1]}', { strict: true })),
        'MMAR_INVALID_CONFIG',
      ),
    ).toBe(true);
  });
});
