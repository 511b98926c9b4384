import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  componentClass,
  configKindOf,
  enableFineTuning,
  mainTrainConfigPath,
  parseConfig,
  parseConfigFedClient,
  parseConfigFedServer,
  parseMmar,
  renderCommands,
  setEpochs,
  setLabels,
  setLearningRate,
  setMultiGpu,
  stringifyConfig,
  trainConfigPaths,
  validateMmar,
  withConfig,
  type ConfigDocument,
  type ConfigTrain,
  type MmarFiles,
} from '@medaas/mmar';
import { readMmar } from '@medaas/mmar/node';
import { FIXTURES, MMAR_FIXTURES, changedLines, fixtureFiles } from './helpers.js';

const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The pointers of the leaves where two JSON values differ. */
function changedPointers(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) =>
      changedPointers((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}/${key}`),
    );
  }
  return Object.is(a, b) ? [] : [at];
}

function trainDocument(files: MmarFiles, path: string): ConfigDocument<ConfigTrain> {
  return parseConfig('train', files[path] as string, { file: path }) as ConfigDocument<ConfigTrain>;
}

describe('archives of every generation, read into the typed model', () => {
  it('Clara 3 (TensorFlow): image pipeline, lr policy, model loader, AIAA without version, federated configs', async () => {
    const archive = await readMmar(join(FIXTURES, 'clara_ct_seg_spleen_amp'));
    expect(archive.generation).toBe('clara3');
    const train = archive.train?.value;
    expect(train?.num_training_epoch_per_valid).toBe(20);
    expect(train?.use_amp).toBe(true);
    expect(componentClass(train?.train?.image_pipeline)).toBe('SegmentationImagePipelineWithCache');
    expect(train?.train?.lr_policy?.args).toEqual({ decay_ratio: 0.1, decay_freq: 50000 });
    expect(train?.validate?.model_loader).toEqual({ name: 'CheckpointLoader', args: { checkpoint_dir: '{MMAR_CKPT_DIR}' } });
    expect(archive.aiaa?.value.version).toBeUndefined();
    expect(archive.aiaa?.value.labels).toEqual(['spleen']);
    expect(archive.configs.get('config/config_validation.json')?.generation).toBe('clara3');
    expect(archive.configs.get('config/config_fed_client.json')?.kind).toBe('fed-client');
    expect(parseConfigFedClient(archive.files['config/config_fed_client.json'] as string).value.client?.['local_epochs']).toBe(5);
    expect(parseConfigFedServer(archive.files['config/config_fed_server.json'] as string).value.servers?.[0]?.num_rounds).toBe(300);
    // The AutoML training configuration is a training configuration of its own; config_automl.json is no config kind.
    expect(trainConfigPaths(archive)).toEqual(['config/config_train.json', 'config/trn_autoML.json']);
    expect(archive.configs.has('config/config_automl.json')).toBe(false);
    expect(validateMmar(archive)).toEqual([]);
  });

  it('Clara 4.1: training variants, key_metric with additional_metrics, NVFlare federated configs', async () => {
    const archive = await readMmar(join(FIXTURES, 'clara_pt_prostate_mri_segmentation'));
    expect(archive.generation).toBe('clara4');
    expect(trainConfigPaths(archive)).toEqual([
      'config/config_train.json',
      'config/config_train_perf.json',
      'config/config_train_smartcache.json',
    ]);
    expect(configKindOf('config/config_validation_ckpt.json')).toBe('validation');
    const smart = archive.configs.get('config/config_train_smartcache.json') as ConfigDocument<ConfigTrain>;
    expect(componentClass(smart.value.train?.dataset)).toBe('SmartCacheDataset');
    const validation = archive.configs.get('config/config_validation.json')?.value as {
      key_metric?: { log_label?: string };
      additional_metrics?: { log_label?: string }[];
    };
    expect(validation.key_metric?.log_label).toBe('val_mean_dice');
    expect(validation.additional_metrics?.map((m) => m.log_label)).toEqual(['val_acc']);
    const server = parseConfigFedServer(archive.files['config/config_fed_server.json'] as string);
    expect(server.generation).toBe('clara4');
    expect(server.value.workflows?.[0]?.args?.['num_rounds']).toBe(100);
    expect(validateMmar(archive)).toEqual([]);
  });

  it('DeepGrow 2-D: components with both name and path are one class, the path', async () => {
    const archive = await readMmar(join(FIXTURES, 'clara_pt_deepgrow_2d_annotation'));
    const pre = archive.train?.value.train?.pre_transforms ?? [];
    expect(pre.map(componentClass)).toContain('monai.apps.deepgrow.transforms.FindAllValidSlicesd');
    expect(pre.find((t) => componentClass(t) === 'monai.apps.deepgrow.transforms.AddGuidanceSignald')).toMatchObject({
      name: 'AddGuidanceSignald',
    });
    expect(archive.train?.findings).toEqual([]);
    expect(archive.aiaa?.value.type).toBe('deepgrow');
    expect(validateMmar(archive)).toEqual([]);
  });

  it('BYOT and nnU-Net-style: a train section that is one trainer of its own', async () => {
    for (const [mmar, trainer] of [
      ['byot_spleen_segmentation', 'spleen_trainer.SpleenTrainer'],
      ['nnunet_spleen_segmentation', 'nnunet_clara.NnUNetTrainerV2Clara'],
    ] as const) {
      const archive = await readMmar(join(FIXTURES, mmar));
      expect(archive.generation).toBe('byot');
      expect(componentClass(archive.train?.value.train?.trainer)).toBe(trainer);
      expect(validateMmar(archive)).toEqual([]);
    }
    const nnunet = await readMmar(join(FIXTURES, 'nnunet_spleen_segmentation'));
    expect(nnunet.train?.value['plans']).toEqual({ num_pool_per_axis: [4, 5, 5], patch_size: [64, 192, 160], batch_size: 2 });
  });

  it('a layout of no known generation is kept verbatim and reported with file, pointer, line and column', () => {
    const text = '{\n  "epochs": 3,\n  "train": {\n    "stages": [{"kind": "warmup"}, {"kind": "main"}]\n  }\n}\n';
    const files = {
      'config/environment.json': '{"DATA_ROOT": "/d", "DATASET_JSON": "d.json", "MMAR_CKPT_DIR": "models"}',
      'config/config_train.json': text,
      'commands/train.sh': '',
      'd.json': '{"training": []}',
    };
    const archive = parseMmar(files);
    expect(archive.generation).toBe('unknown');
    expect(stringifyConfig(archive.train as ConfigDocument<unknown>)).toBe(text);
    expect(archive.train?.value.train?.['stages']).toEqual([{ kind: 'warmup' }, { kind: 'main' }]);
    expect(validateMmar(archive)).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'MMAR_UNKNOWN_SHAPE',
        file: 'config/config_train.json',
        pointer: '/train',
        line: 3,
        column: 12,
        message: expect.stringMatching(/matches neither/),
      }),
    ]);
    // The global it has can still be edited; a setting it does not have is refused with a typed error.
    expect(setEpochs(archive.train as ConfigDocument<ConfigTrain>, 9).text).toBe(text.replace('"epochs": 3', '"epochs": 9'));
    expect(() => setLearningRate(archive.train as ConfigDocument<ConfigTrain>, 1e-3)).toThrowError(
      expect.objectContaining({ code: 'MMAR_NO_EDIT_SITE' }),
    );
  });
});

/** For every training configuration of every fixture: which values setEpochs / setLearningRate change. */
const SETTING_SITES: Record<string, { epochs: string[]; learningRate: string[] }> = {
  'clara_pt_spleen_ct_segmentation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_liver_and_tumor_ct_segmentation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_deepgrow_3d_annotation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_deepgrow_2d_annotation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_prostate_mri_segmentation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_prostate_mri_segmentation/config/config_train_perf.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_pt_prostate_mri_segmentation/config/config_train_smartcache.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_ct_seg_spleen_amp/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'clara_ct_seg_spleen_amp/config/trn_autoML.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'byoc_segmentation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'byot_spleen_segmentation/config/config_train.json': { epochs: ['/epochs'], learningRate: ['/learning_rate'] },
  'nnunet_spleen_segmentation/config/config_train.json': {
    epochs: ['/train/trainer/args/max_num_epochs'],
    learningRate: ['/train/trainer/args/initial_lr'],
  },
};

describe('edits on every training configuration of every generation', () => {
  const all = MMAR_FIXTURES.flatMap((mmar) => trainConfigPaths(fixtureFiles(mmar)).map((path) => [mmar, path] as const));

  it('covers every training configuration of the fixtures', () => {
    expect(all.map(([mmar, path]) => `${mmar}/${path}`).sort()).toEqual(Object.keys(SETTING_SITES).sort());
  });

  for (const [mmar, path] of all) {
    it(`${mmar}/${path}: setEpochs and setLearningRate change exactly their values, one line each`, () => {
      const files = fixtureFiles(mmar);
      const document = trainDocument(files, path);
      const sites = SETTING_SITES[`${mmar}/${path}`];
      const epochs = setEpochs(document, 7);
      expect(changedPointers(document.value, epochs.value)).toEqual(sites?.epochs);
      for (const pointer of sites?.epochs ?? [])
        expect(
          pointer
            .split('/')
            .slice(1)
            .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], epochs.value),
        ).toBe(7);
      expect(changedLines(document.text, epochs.text)).toHaveLength(sites?.epochs.length ?? -1);
      const rate = setLearningRate(document, 3e-5);
      expect(changedPointers(document.value, rate.value)).toEqual(sites?.learningRate);
      expect(changedLines(document.text, rate.text)).toHaveLength(sites?.learningRate.length ?? -1);
      expect(epochs.findings).toEqual(document.findings);
    });
  }
});

describe('MMAR-wide edits in every generation', () => {
  it('setLabels on Clara 3: AIAA labels, num_classes of both training configurations, the data list labels', () => {
    const files = fixtureFiles('clara_ct_seg_spleen_amp');
    const edited = setLabels(parseMmar(files), ['spleen', 'pancreas']);
    expect(edited.aiaa?.value.labels).toEqual(['spleen', 'pancreas']);
    expect(changedLines(files['config/config_train.json'] as string, edited.files['config/config_train.json'] as string)).toEqual([
      ['                "num_classes": 2,', '                "num_classes": 3,'],
    ]);
    expect(
      changedPointers(JSON.parse(files['config/trn_autoML.json'] as string), JSON.parse(edited.files['config/trn_autoML.json'] as string)),
    ).toEqual(['/train/model/args/num_classes']);
    expect(JSON.parse(edited.files['config/dataset_0.json'] as string).labels).toEqual({ 0: 'background', 1: 'spleen', 2: 'pancreas' });
    expect(validateMmar(edited)).toEqual([]);
  });

  it('setLabels on a BYOT trainer and an nnU-Net data list; nothing to edit is a typed error', () => {
    const byot = setLabels(parseMmar(fixtureFiles('byot_spleen_segmentation')), ['spleen', 'liver']);
    expect(byot.train?.value.train?.trainer?.args?.['num_classes']).toBe(3);
    const nnunet = setLabels(fixtureFiles('nnunet_spleen_segmentation'), ['spleen', 'liver']);
    expect(JSON.parse(nnunet['config/dataset.json'] as string).labels).toEqual({ 0: 'background', 1: 'spleen', 2: 'liver' });
    const bare = {
      'config/environment.json': '{"DATA_ROOT": "/d", "DATASET_JSON": "x.json", "MMAR_CKPT_DIR": "m"}',
      'config/config_train.json': '{"train": {"trainer": {"path": "a.B"}}}',
    };
    expect(() => setLabels(bare, ['x'])).toThrowError(expect.objectContaining({ code: 'MMAR_NO_EDIT_SITE' }));
  });

  it('several training configurations without config_train.json: the edit names the one to use', () => {
    const files: MmarFiles = {
      'config/environment.json': '{"DATA_ROOT": "/d", "DATASET_JSON": "x.json", "MMAR_CKPT_DIR": "m"}',
      'config/trn_a.json': '{"multi_gpu": false, "train": {"trainer": {"path": "a.B"}}}',
      'config/trn_b.json': '{"train": {"trainer": {"path": "a.B"}}}',
    };
    expect(() => mainTrainConfigPath(files)).toThrowError(
      expect.objectContaining({ code: 'MMAR_AMBIGUOUS_CONFIG', details: { candidates: ['config/trn_a.json', 'config/trn_b.json'] } }),
    );
    const edited = setMultiGpu(files, { gpus: 2, config: 'config/trn_a.json' });
    expect(edited['config/trn_a.json']).toBe('{"multi_gpu": true, "train": {"trainer": {"path": "a.B"}}}');
    expect(edited['commands/train_multi_gpu.sh']).toContain('-c "$CONFIG_FILE"');
    expect(edited['commands/train_multi_gpu.sh']).toContain('CONFIG_FILE=config/trn_a.json');
  });

  it('enableFineTuning on Clara 4 adds the checkpoint loader once; an archive in is an archive out', () => {
    const archive = parseMmar(fixtureFiles('clara_pt_prostate_mri_segmentation'));
    const edited = enableFineTuning(archive, { config: 'config/config_train_smartcache.json' });
    // The smart-cache variant already loads {MMAR_CKPT} first: only the script is new.
    expect(edited.files['config/config_train_smartcache.json']).toBe(archive.files['config/config_train_smartcache.json']);
    expect(edited.files['commands/finetune.sh']).toContain('CONFIG_FILE=config/config_train_smartcache.json');
    expect(edited.configs.get('config/config_train.json')).toBe(archive.configs.get('config/config_train.json'));
  });
});

/** Stages an MMAR with stand-ins for python3 and mpirun that print the arguments they receive. */
function stage(files: Record<string, string>): (script: string) => string[] {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'medaas-mmar-gen-')));
  temporary.push(base);
  const root = join(base, 'mmar');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'python3'), '#!/usr/bin/env bash\nfor a in "$@"; do echo "ARG=$a"; done\n');
  writeFileSync(join(bin, 'mpirun'), '#!/usr/bin/env bash\nfor a in "$@"; do echo "MPI=$a"; done\n');
  chmodSync(join(bin, 'python3'), 0o755);
  chmodSync(join(bin, 'mpirun'), 0o755);
  return (script) =>
    execFileSync('bash', [join(root, 'commands', script)], { cwd: root, env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' })
      .trim()
      .split('\n');
}

describe('Clara 3 command scripts', () => {
  it('run nvmidl.apps.train, Horovod through mpirun for several GPUs, and train_finetune.sh from MMAR_CKPT', () => {
    const files = fixtureFiles('clara_ct_seg_spleen_amp');
    const multi = setMultiGpu(files, { gpus: 4 });
    expect(changedLines(files['config/config_train.json'] as string, multi['config/config_train.json'] as string)).toEqual([
      ['    "multi_gpu": false,', '    "multi_gpu": true,'],
    ]);
    const finetune = enableFineTuning(multi);
    expect(Object.keys(finetune).filter((p) => !(p in files))).toEqual(['commands/train_multi_gpu.sh']);
    expect(finetune['commands/train_finetune.sh']).not.toBe(files['commands/train_finetune.sh']);
    const run = stage({ ...finetune, ...renderCommands(finetune, { only: ['set_env', 'train', 'export'] }) } as Record<string, string>);
    const mpi = run('train_multi_gpu.sh');
    expect(mpi.filter((l) => l.startsWith('MPI=')).slice(0, 4)).toEqual(['MPI=-np', 'MPI=4', 'MPI=-H', 'MPI=localhost:4']);
    expect(mpi).toEqual(expect.arrayContaining(['MPI=python3', 'MPI=nvmidl.apps.train', 'MPI=multi_gpu=true']));
    const args = (script: string): string[] =>
      run(script)
        .filter((l) => l.startsWith('ARG='))
        .map((l) => l.slice(4));
    expect(args('train.sh').slice(0, 3)).toEqual(['-u', '-m', 'nvmidl.apps.train']);
    expect(args('train.sh')).toContain('multi_gpu=false');
    expect(args('train_finetune.sh')).toEqual(
      expect.arrayContaining(['nvmidl.apps.train', 'config/config_train.json', 'MMAR_CKPT=models/model.ckpt']),
    );
    expect(args('export.sh')).toEqual(
      expect.arrayContaining([
        'nvmidl.apps.export',
        '--model_file_format',
        'CKPT',
        '--input_node_names',
        'NV_MODEL_INPUT',
        '--output_node_names',
        'NV_MODEL_OUTPUT',
      ]),
    );
    expect(validateMmar(finetune)).toEqual([]);
  });
});

describe('hostile configurations', () => {
  it('any JSON, as any kind of configuration: read, kept byte for byte, findings inside the text, never a throw', () => {
    const kinds = ['environment', 'train', 'validation', 'inference', 'aiaa', 'fed-client', 'fed-server'] as const;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(...kinds), fc.boolean(), (value, kind, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const document = parseConfig(kind, text);
        expect(stringifyConfig(document)).toBe(text);
        const lines = text.split('\n').length;
        for (const finding of document.findings) expect(finding.line ?? 1).toBeLessThanOrEqual(lines);
        const files = {
          'config/environment.json': kind === 'environment' ? text : '{}',
          'config/config_train.json': kind === 'train' ? text : '{"train": {}}',
          [`config/config_${kind === 'fed-client' ? 'fed_client' : 'aiaa'}.json`]: text,
        };
        validateMmar(files);
        validateMmar(parseMmar(files));
      }),
      { numRuns: 300 },
    );
  });

  it('component-shaped garbage inside a real archive gives errors at the right pointers, and edits keep them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('loss', 'optimizer', 'lr_policy', 'image_pipeline', 'model'),
        fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer()), fc.constant(null)),
        (key, junk) => {
          const files = fixtureFiles('clara_ct_seg_spleen_amp');
          const value = JSON.parse(files['config/config_train.json'] as string) as { train: Record<string, unknown> };
          value.train[key] = junk;
          const document = parseConfig('train', JSON.stringify(value, null, 4), {
            file: 'config/config_train.json',
          }) as ConfigDocument<ConfigTrain>;
          const errors = document.findings.filter((f) => f.severity === 'error').map((f) => f.pointer);
          // A model may be a list of alternatives: an empty list has nothing wrong in it, items are reported one by one.
          if (!(key === 'model' && Array.isArray(junk) && junk.length === 0)) expect(errors.length).toBeGreaterThan(0);
          for (const pointer of errors) expect(pointer.startsWith(`/train/${key}`)).toBe(true);
          const edited = withConfig(parseMmar({ ...files, 'config/config_train.json': document.text }), setEpochs(document, 12));
          expect(edited.train?.value.epochs).toBe(12);
          expect(edited.train?.findings.map((f) => f.pointer)).toEqual(document.findings.map((f) => f.pointer));
        },
      ),
      { numRuns: 60 },
    );
  });
});
