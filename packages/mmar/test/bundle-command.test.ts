import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseBundle, renderBundleCommand } from '@medaas/mmar/bundle';
import { bundleFixture } from './bundle-helpers.js';

describe('renderBundleCommand', () => {
  it('the Model Zoo forms, without a bundle', () => {
    const render = (options: Omit<Parameters<typeof renderBundleCommand>[0], 'bundleDir'>): string =>
      renderBundleCommand({ bundleDir: '/scratch/spleen', ...options }).command;
    expect(render({ mode: 'training' })).toBe(
      'python -m monai.bundle run training --meta_file configs/metadata.json --config_file configs/train.json --logging_file configs/logging.conf',
    );
    expect(render({ mode: 'training', gpus: 2 })).toBe(
      `torchrun --standalone --nnodes=1 --nproc_per_node=2 -m monai.bundle run training --meta_file configs/metadata.json --config_file "['configs/train.json','configs/multi_gpu_train.json']" --logging_file configs/logging.conf`,
    );
    expect(render({ mode: 'evaluating' })).toBe(
      `python -m monai.bundle run evaluating --meta_file configs/metadata.json --config_file "['configs/train.json','configs/evaluate.json']" --logging_file configs/logging.conf`,
    );
    expect(render({ mode: 'inference' })).toBe(
      'python -m monai.bundle run evaluating --meta_file configs/metadata.json --config_file configs/inference.json --logging_file configs/logging.conf',
    );
    expect(render({ mode: 'export' })).toBe(
      'python -m monai.bundle ckpt_export network_def --filepath models/model.ts --ckpt_file models/model.pt --meta_file configs/metadata.json --config_file configs/inference.json',
    );
  });

  it('with a bundle: its file names (YAML), no run id for a `run` workflow, overrides as --key value', () => {
    const yaml = parseBundle(bundleFixture('endoscopic_inbody_classification'));
    const command = renderBundleCommand({
      bundleDir: '/scratch/my bundle',
      mode: 'training',
      bundle: yaml,
      overrides: {
        epochs: 10,
        dataset_dir: '/data/frames',
        'train#dataloader#batch_size': 8,
        amp: false,
        roi: [96, 96, 96],
        names: ['a', "it's"],
      },
    });
    expect(command.argv).toEqual([
      'python',
      '-m',
      'monai.bundle',
      'run',
      '--meta_file',
      'configs/metadata.json',
      '--config_file',
      'configs/train.yaml',
      '--logging_file',
      'configs/logging.conf',
      '--epochs',
      '10',
      '--dataset_dir',
      '/data/frames',
      '--train#dataloader#batch_size',
      '8',
      '--amp',
      'False',
      '--roi',
      '[96,96,96]',
      '--names',
      "['a','it\\'s']",
    ]);
    expect(command.cwd).toBe('/scratch/my bundle');
    expect(command.line).toBe(`cd '/scratch/my bundle' && ${command.command}`);
    expect(command.command).toContain(`--amp False --roi '[96,96,96]' --names '['\\''a'\\'','\\''it\\'\\''s'\\'']'`);
    expect(() => renderBundleCommand({ bundleDir: '.', mode: 'training', gpus: 2, bundle: yaml })).toThrowError(
      expect.objectContaining({ code: 'MMAR_MISSING_FILE' }),
    );
    expect(renderBundleCommand({ bundleDir: '.', mode: 'export', bundle: yaml }).argv.at(-1)).toBe('configs/inference.yaml');
  });

  it('the shell reads back exactly the argv (sh -c with printf)', () => {
    const { argv, command } = renderBundleCommand({
      bundleDir: '.',
      mode: 'training',
      gpus: 3,
      overrides: { note: 'a b\'c"d $HOME `x` \\ !', dataset_dir: '/data/x y' },
    });
    // Replace the launcher by printf: the shell then prints each word it parsed on its own line.
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n'${command.replace(/^\S+/, '')}`], { encoding: 'utf8' });
    expect(echoed.split('\n').slice(0, -1)).toEqual(argv.slice(1));
  });

  it('refuses what it cannot render', () => {
    expect(() => renderBundleCommand({ bundleDir: '.', mode: 'training', gpus: 0 })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    expect(() => renderBundleCommand({ bundleDir: '.', mode: 'export', gpus: 2 })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    expect(() => renderBundleCommand({ bundleDir: '.', mode: 'training', overrides: { 'x; rm -rf /': 1 } })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    expect(() => renderBundleCommand({ bundleDir: '.', mode: 'training', overrides: { x: Number.NaN } })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
  });
});
