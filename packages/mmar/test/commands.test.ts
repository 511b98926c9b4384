import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCommands, validateMmar } from '@medaas/mmar';
import { fixtureFiles } from './helpers.js';

const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Writes an MMAR with rendered scripts and a fake `python3` that prints what Clara would receive. */
function stage(files: Record<string, string>): { root: string; run: (script: string, ...args: string[]) => string[] } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'medaas-mmar-cmd-')));
  temporary.push(base);
  const root = join(base, 'my mmar');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    if (path.endsWith('.sh')) chmodSync(join(root, path), 0o755);
  }
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'python3'),
    '#!/usr/bin/env bash\necho "PWD=$PWD"\necho "MMAR_ROOT=$MMAR_ROOT"\necho "PYTHONPATH=$PYTHONPATH"\nfor a in "$@"; do echo "ARG=$a"; done\n',
  );
  chmodSync(join(bin, 'python3'), 0o755);
  return {
    root,
    run: (script, ...args) =>
      execFileSync('bash', [join(root, 'commands', script), ...args], {
        cwd: root,
        env: { PATH: `${bin}:/usr/bin:/bin`, PYTHONPATH: '' },
        encoding: 'utf8',
      })
        .trim()
        .split('\n'),
  };
}

describe('renderCommands', () => {
  it('renders every script whose configuration exists', () => {
    const spleen = fixtureFiles('clara_pt_spleen_ct_segmentation');
    expect(Object.keys(renderCommands(spleen)).sort()).toEqual(
      ['export', 'finetune', 'infer', 'set_env', 'train', 'train_multi_gpu', 'validate'].map((n) => `commands/${n}.sh`),
    );
    expect(Object.keys(renderCommands(fixtureFiles('byoc_segmentation'), { only: ['train', 'infer'] }))).toEqual(['commands/train.sh']);
  });

  it('train.sh runs medl.apps.train from the MMAR root with custom/ on the PYTHONPATH, passing extra settings on', () => {
    const files = fixtureFiles('byoc_segmentation');
    const { root, run } = stage({ ...files, ...renderCommands(files, { epochs: 5, learningRate: 0.0001 }) });
    const out = run('train.sh', 'amp=False');
    expect(out).toContain(`MMAR_ROOT=${root}`);
    expect(out).toContain(`PYTHONPATH=/opt/nvidia:${root}/custom`);
    expect(out.filter((l) => l.startsWith('ARG='))).toEqual(
      [
        '-u',
        '-m',
        'medl.apps.train',
        '-m',
        root,
        '-c',
        'config/config_train.json',
        '-e',
        'config/environment.json',
        '--write_train_stats',
        '--set',
        'print_conf=True',
        'epochs=5',
        'learning_rate=0.0001',
        'multi_gpu=False',
        'dont_load_ckpt_model=True',
        'amp=False',
      ].map((a) => `ARG=${a}`),
    );
  });

  it('train_multi_gpu.sh launches one process per GPU; finetune.sh loads the checkpoint', () => {
    const files = fixtureFiles('clara_pt_liver_and_tumor_ct_segmentation');
    const { root, run } = stage({ ...files, ...renderCommands(files, { gpus: 8, checkpoint: 'models/pre trained.pt' }) });
    const multi = run('train_multi_gpu.sh')
      .filter((l) => l.startsWith('ARG='))
      .map((l) => l.slice(4));
    expect(multi.slice(0, 10)).toEqual([
      '-u',
      '-m',
      'torch.distributed.launch',
      '--nproc_per_node=8',
      '--nnodes=1',
      '--node_rank=0',
      '--master_addr=localhost',
      '--master_port=1234',
      '-m',
      'medl.apps.train',
    ]);
    expect(multi).toContain('multi_gpu=True');
    const finetune = run('finetune.sh')
      .filter((l) => l.startsWith('ARG='))
      .map((l) => l.slice(4));
    expect(finetune).toEqual(expect.arrayContaining(['dont_load_ckpt_model=False', 'MMAR_CKPT=models/pre trained.pt', root]));
  });

  it('validate.sh, infer.sh and export.sh run the evaluation and export apps', () => {
    const files = { ...fixtureFiles('clara_pt_spleen_ct_segmentation'), 'config/config_inference.json': '{}' };
    const { root, run } = stage({ ...files, ...renderCommands(files) });
    const args = (script: string): string[] =>
      run(script)
        .filter((l) => l.startsWith('ARG='))
        .map((l) => l.slice(4));
    expect(args('validate.sh')).toEqual(
      expect.arrayContaining(['medl.apps.evaluate', 'config/config_validation.json', 'dont_load_ts_model=False']),
    );
    expect(args('infer.sh')).toEqual(
      expect.arrayContaining(['medl.apps.evaluate', 'config/config_inference.json', 'output_infer_result=True']),
    );
    expect(args('export.sh')).toEqual(
      expect.arrayContaining(['medl.apps.export', '--model_path', `${root}/models/model.pt`, '--output_path', `${root}/models/model.ts`]),
    );
  });

  it('the rendered scripts pass bash -n and validateMmar', () => {
    const files = fixtureFiles('clara_pt_deepgrow_3d_annotation');
    const rendered = renderCommands(files);
    for (const text of Object.values(rendered)) execFileSync('bash', ['-n'], { input: text });
    expect(validateMmar({ ...files, ...rendered })).toEqual([]);
  });

  it('refuses bad options and an MMAR without a training configuration', () => {
    const files = fixtureFiles('clara_pt_spleen_ct_segmentation');
    expect(() => renderCommands({})).toThrowError(expect.objectContaining({ code: 'MMAR_MISSING_FILE' }));
    expect(() => renderCommands(files, { gpus: 1.5 })).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => renderCommands(files, { learningRate: -1 })).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => renderCommands(files, { checkpoint: '/etc/passwd' })).toThrowError(expect.objectContaining({ code: 'MMAR_UNSAFE_PATH' }));
  });
});
