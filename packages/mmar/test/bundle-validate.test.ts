import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { parseBundle, parseBundleConfig, resolveBundle, validateBundle, type MmarIssue } from '@medaas/mmar/bundle';
import { bundleFixture } from './bundle-helpers.js';

const spleen = (): Record<string, string> => bundleFixture('spleen_ct_segmentation');
const classification = (): Record<string, string> => bundleFixture('endoscopic_inbody_classification');

/** The 1-based line and column where `needle` starts in `text` (searching from the line holding `after`). */
function where(text: string, needle: string, after = ''): { line: number; column: number } {
  const offset = text.indexOf(needle, after ? text.indexOf(after) : 0);
  if (offset < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1) as string).length + 1 };
}

const brief = (issues: MmarIssue[]): string[] => issues.map((i) => `${i.severity} ${i.code} ${i.file}${i.pointer} ${i.line}:${i.column}`);

describe('validateBundle findings with file, pointer, line and column', () => {
  it('a dangling reference in JSON', () => {
    const files = spleen();
    const train = (files['configs/train.json'] as string).replace('"optimizer": "@optimizer"', '"optimizer": "@optimiser"');
    const issues = validateBundle({ ...files, 'configs/train.json': train });
    const at = where(train, '"@optimiser"');
    expect(brief(issues)).toEqual([`error MMAR_DANGLING_REFERENCE configs/train.json/train/trainer/optimizer ${at.line}:${at.column}`]);
    expect(issues[0]?.message).toContain('"@optimiser", which no configuration of this run defines');
  });

  it('a dangling reference inside a YAML expression', () => {
    const files = classification();
    const train = (files['configs/train.yaml'] as string).replace('params: $@network.parameters()', 'params: $@net.parameters()');
    const at = where(train, '$@net.parameters()');
    expect(brief(validateBundle({ ...files, 'configs/train.yaml': train }))).toEqual([
      `error MMAR_DANGLING_REFERENCE configs/train.yaml/optimizer/params ${at.line}:${at.column}`,
    ]);
  });

  it('an overlay checked together with its base: evaluate.json may use what train.json defines, not what nobody does', () => {
    const files = spleen();
    const evaluate = (files['configs/evaluate.json'] as string).replace('"save_dir": "@output_dir"', '"save_dir": "@metrics_dir"');
    const issues = validateBundle({ ...files, 'configs/evaluate.json': evaluate });
    expect(brief(issues)).toEqual([
      `error MMAR_DANGLING_REFERENCE configs/evaluate.json/validate#handlers/2/save_dir ${where(evaluate, '"@metrics_dir"').line}:${where(evaluate, '"@metrics_dir"').column}`,
    ]);
  });

  it('reference cycles, directly and through a macro, are findings and never a hang', () => {
    const cyclic = JSON.stringify({ a: '@b', b: { x: '$@a + 1' }, c: '%d', d: '%c', e: { f: '@e' } }, null, 2);
    const files = { 'configs/metadata.json': spleen()['configs/metadata.json'] as string, 'configs/train.json': cyclic };
    const issues = validateBundle(files);
    expect(issues.map((i) => [i.code, i.pointer])).toEqual([
      ['MMAR_REFERENCE_CYCLE', '/a'],
      ['MMAR_REFERENCE_CYCLE', '/d'],
      ['MMAR_REFERENCE_CYCLE', '/e/f'],
    ]);
    expect(issues[0]?.message).toBe('references form a cycle: a -> b -> b#x -> a');
    expect(issues[0]).toMatchObject({ line: 2, column: 8 });
    expect(issues[1]?.message).toContain('copies itself');
    const run = resolveBundle(parseBundle(files));
    // `a` only names itself inside an expression, which resolve() keeps as text; `e#f` is `e` itself.
    expect(run.resolve('a')).toEqual({ x: '$@a + 1' });
    expect(() => run.resolve('e')).toThrowError(
      expect.objectContaining({ code: 'MMAR_REFERENCE_CYCLE', message: 'references form a cycle: e -> e' }),
    );
    expect(() => run.resolve('nope')).toThrowError(expect.objectContaining({ code: 'MMAR_DANGLING_REFERENCE' }));
  });

  it('a macro to a file that is not in the bundle, and to an id that file lacks', () => {
    const files = spleen();
    const inference = (files['configs/inference.json'] as string)
      .replace('"%configs/train.json#network_def"', '"%configs/training.json#network_def"')
      .replace('"transform": "@preprocessing"', '"transform": "%configs/train.json#train#preprocess"');
    const issues = validateBundle({ ...files, 'configs/inference.json': inference });
    expect(brief(issues)).toEqual([
      `error MMAR_MISSING_FILE configs/inference.json/network_def ${where(inference, '"%configs/training').line}:${where(inference, '"%configs/training').column}`,
      `error MMAR_DANGLING_REFERENCE configs/inference.json/dataset/transform ${where(inference, '"%configs/train.json#train').line}:${where(inference, '"%configs/train.json#train').column}`,
    ]);
  });

  it('components without a _target_, or with an empty one', () => {
    const files = spleen();
    const train = (files['configs/train.json'] as string)
      .replace('"_target_": "SimpleInferer"', '"_target_": ""')
      .replace('"_target_": "DiceCELoss",', '"_disabled_": false,');
    const issues = validateBundle({ ...files, 'configs/train.json': train });
    expect(brief(issues)).toEqual([
      `error MMAR_MISSING_TARGET configs/train.json/loss ${where(train, '{', '"loss"').line}:${where(train, '{', '"loss"').column}`,
      `error MMAR_MISSING_TARGET configs/train.json/train/inferer/_target_ ${where(train, '""', '"inferer"').line}:${where(train, '""', '"inferer"').column}`,
    ]);
    expect(issues[0]?.message).toBe('"loss" has component keys (_disabled_, _requires_, _mode_, _desc_) but no _target_');
  });

  it('a handler or transform list item that is no component', () => {
    const files = classification();
    const train = (files['configs/train.yaml'] as string).replace(
      '  - _target_: ScaleIntensityd\n      keys: image\n    - _target_: RandRotated',
      '  - keys: image\n    - _target_: RandRotated',
    );
    const issues = validateBundle({ ...files, 'configs/train.yaml': train });
    expect(issues.map((i) => [i.code, i.pointer, i.line])).toEqual([
      ['MMAR_MISSING_TARGET', '/train/preprocessing/transforms/3', where(train, 'keys: image\n    - _target_: RandRotated').line],
    ]);
  });

  it('data paths that do not exist, given fileExists; overrides as the command will pass them', () => {
    const files = bundleFixture('spleen_deepedit_annotation');
    const exists = new Set(['/data/spleen', '/data/spleen/dataset.json']);
    const fileExists = (path: string): boolean => exists.has(path);
    const issues = validateBundle(files, { fileExists });
    const train = files['configs/train.json'] as string;
    const inference = files['configs/inference.json'] as string;
    expect(brief(issues)).toEqual([
      `error MMAR_DATA_PATH_MISSING configs/inference.json/dataset_dir ${where(inference, '"/workspace').line}:${where(inference, '"/workspace').column}`,
      `error MMAR_DATA_PATH_MISSING configs/train.json/dataset_dir ${where(train, '"/workspace').line}:${where(train, '"/workspace').column}`,
      `error MMAR_DATA_PATH_MISSING configs/train.json/data_list_file_path ${where(train, '"$@dataset_dir').line}:${where(train, '"$@dataset_dir').column}`,
    ]);
    expect(issues[2]?.message).toBe('"data_list_file_path" is /workspace/data/Task09_Spleen/dataset.json, which does not exist');
    expect(validateBundle(files, { fileExists, overrides: { dataset_dir: '/data/spleen' } })).toEqual([]);
  });

  it('out_channels disagreeing with metadata channel_def, through @num_classes and in YAML', () => {
    const files = spleen();
    const train = (files['configs/train.json'] as string).replace('"num_classes": 2', '"num_classes": 3');
    const issues = validateBundle({ ...files, 'configs/train.json': train });
    const network = where(train, '"@num_classes"');
    expect(brief(issues)).toEqual([
      `error MMAR_OUT_CLASSES_MISMATCH configs/train.json/network_def/out_channels ${network.line}:${network.column}`,
    ]);
    expect(issues[0]?.message).toBe(
      '"network_def#out_channels" is 3, but metadata.json\'s pred channel_def names 2 channels (background, spleen)',
    );

    const yaml = classification();
    const trainYaml = (yaml['configs/train.yaml'] as string).replace('  num_classes: 2', '  num_classes: 4');
    // inference.yaml copies network_def from train.yaml: one finding, where the number is written.
    const yamlIssues = validateBundle({ ...yaml, 'configs/train.yaml': trainYaml });
    expect(brief(yamlIssues)).toEqual([
      `error MMAR_OUT_CLASSES_MISMATCH configs/train.yaml/network_def/num_classes ${where(trainYaml, '4', 'num_classes: 4').line}:16`,
    ]);
  });

  it('missing metadata.json, and metadata without required keys', () => {
    const files: Record<string, string> = spleen();
    const { 'configs/metadata.json': metadata, ...rest } = files;
    expect(brief(validateBundle(rest)).filter((i) => !i.includes('DANGLING'))).toEqual([
      'error MMAR_MISSING_FILE configs/metadata.json undefined:undefined',
    ]);
    const broken = (metadata as string).replace('    "monai_version": "1.3.0",\n', '').replace('"version": "0.5.9"', '"version": 59');
    const issues = validateBundle({ ...files, 'configs/metadata.json': broken });
    expect(brief(issues)).toEqual([
      'error MMAR_INVALID_CONFIG configs/metadata.json/monai_version 1:1',
      `error MMAR_INVALID_CONFIG configs/metadata.json/version ${where(broken, '59').line}:${where(broken, '59').column}`,
    ]);
  });

  it('a JSON and a YAML file that do not parse are findings with line and column', () => {
    const files = classification();
    const issues = validateBundle({
      ...files,
      'configs/train.yaml': 'train:\n  trainer:\n\t  max_epochs: 3\n',
      'configs/metadata.json': '{\n  "version": "1",\n}\n',
    });
    expect(brief(issues)).toEqual(['error MMAR_INVALID_JSON configs/metadata.json 3:1', 'error MMAR_INVALID_YAML configs/train.yaml 3:1']);
  });
});

describe('YAML errors are typed, with file, line and column', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['tabs as indentation', 'network_def:\n\t_target_: UNet\n', 2, 1, /Tabs are not allowed/],
    ['a duplicate key', 'max_epochs: 10\nlr: 0.1\nmax_epochs: 20\n', 3, 1, /Map keys must be unique/],
    ['a flow list left open', 'keys: [image, label\nmode: nearest\n', 2, 1, /./],
    ['two documents', 'a: 1\n---\nb: 2\n', 2, 1, /single YAML document/],
    ['an alias before its anchor', 'a: *b\nb: &b 1\n', 1, 1, /alias/],
    ['a recursive alias', 'a: &x [*x]\n', 1, 1, /recursive/],
  ];
  it.each(cases)('%s', (_, text, line, column, message) => {
    try {
      parseBundleConfig(text, { file: 'configs/train.yaml' });
      expect.unreachable();
    } catch (error) {
      expect(isMedaasError(error, 'MMAR_INVALID_YAML')).toBe(true);
      if (!isMedaasError(error, 'MMAR_INVALID_YAML')) return;
      expect(error.details).toMatchObject({ file: 'configs/train.yaml', line, column });
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`configs/train.yaml:${line}:${column}: `)).toBe(true);
    }
  });

  it('JSON errors keep the MMAR_INVALID_JSON shape', () => {
    expect(() => parseBundleConfig('{"a": 1,}', { file: 'configs/train.json' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_JSON', details: expect.objectContaining({ line: 1, column: 9 }) }),
    );
    expect(() => parseBundleConfig('{}', { file: 'configs/train.txt' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
  });
});
