import { describe, expect, it } from 'vitest';
import { findVariableReferences, globalVariables, parseConfigTrain, parseEnvironment, resolveVariables, variableScope } from '@medaas/mmar';
import { fixtureText } from './helpers.js';

describe('{variable} references', () => {
  it('resolves the spleen configuration against its globals and environment.json', () => {
    const train = parseConfigTrain(fixtureText('clara_pt_spleen_ct_segmentation', 'config/config_train.json'));
    const env = parseEnvironment(fixtureText('clara_pt_spleen_ct_segmentation', 'config/environment.json'));
    const resolved = resolveVariables(train.value, variableScope(globalVariables(train.value), env.value)) as typeof train.value;
    expect(resolved.train?.optimizer?.args).toEqual({ lr: 0.0002 });
    expect(resolved.train?.trainer?.args).toEqual({ max_epochs: 1260 });
    expect(resolved.train?.dataset).toMatchObject({
      data_list_file_path: 'config/dataset_0.json',
      data_file_base_dir: '/workspace/data/Task09_Spleen',
    });
    expect(resolved.train?.handlers?.[0]).toMatchObject({ disabled: true, args: { load_path: 'models/model.pt' } });
    expect(JSON.stringify(resolved)).not.toMatch(/\{[A-Za-z_]\w*\}/);
  });

  it('substitutes inside longer strings and lets environment.json override globals', () => {
    expect(
      resolveVariables(
        { dir: '{MMAR_CKPT_DIR}/best_{epochs}', n: '{epochs}' },
        variableScope({ epochs: 5, MMAR_CKPT_DIR: 'a' }, { MMAR_CKPT_DIR: 'models' }),
      ),
    ).toEqual({
      dir: 'models/best_5',
      n: 5,
    });
    expect(resolveVariables('{a}', { a: '{b}', b: [1, 2] })).toEqual([1, 2]);
    expect(resolveVariables("lambda x: x['pred']", {})).toBe("lambda x: x['pred']");
  });

  it('fails with MMAR_UNDEFINED_VARIABLE naming the variable and its pointer', () => {
    expect(() =>
      resolveVariables(
        { train: { optimizer: { args: { lr: '{learning_rte}' } } } },
        { learning_rate: 1 },
        { file: 'config/config_train.json' },
      ),
    ).toThrowError(
      expect.objectContaining({
        code: 'MMAR_UNDEFINED_VARIABLE',
        details: { file: 'config/config_train.json', pointer: '/train/optimizer/args/lr', name: 'learning_rte' },
      }),
    );
    expect(() => resolveVariables('{a}', { a: '{a}' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_UNDEFINED_VARIABLE', message: expect.stringMatching(/refers to itself/) }),
    );
  });

  it('finds every reference with its pointer', () => {
    expect(findVariableReferences({ a: ['{x}', 'p/{y}/{z}'], b: { c: 1 } })).toEqual([
      { pointer: '/a/0', name: 'x' },
      { pointer: '/a/1', name: 'y' },
      { pointer: '/a/1', name: 'z' },
    ]);
  });
});
