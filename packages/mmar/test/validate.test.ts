import { describe, expect, it } from 'vitest';
import { validateMmar, type MmarFiles, type MmarIssue } from '@medaas/mmar';
import { MMAR_FIXTURES, fixtureFiles } from './helpers.js';

const spleen = (): Record<string, string> => fixtureFiles('clara_pt_spleen_ct_segmentation');

/** All data files of a data list text, as DATA_ROOT-joined paths (what exists on the cluster). */
function dataFiles(root: string, datalist: string): Set<string> {
  const value = JSON.parse(datalist) as Record<string, { image: string; label: string }[]>;
  return new Set(
    ['training', 'validation'].flatMap((key) => (value[key] ?? []).flatMap((e) => [`${root}/${e.image}`, `${root}/${e.label}`])),
  );
}

const brief = (issues: MmarIssue[]): string[] => issues.map((i) => `${i.code} ${i.file}#${i.pointer}`);

describe('validateMmar', () => {
  for (const mmar of MMAR_FIXTURES) {
    it(`finds nothing wrong with ${mmar}`, () => {
      expect(validateMmar(fixtureFiles(mmar))).toEqual([]);
    });
  }

  it('finds nothing wrong when every data file exists under DATA_ROOT', () => {
    const files = spleen();
    const existing = dataFiles('/workspace/data/Task09_Spleen', files['config/dataset_0.json'] as string);
    expect(validateMmar(files, { fileExists: (p) => existing.has(p) })).toEqual([]);
  });

  it('reports a data list entry whose file is missing, with the data list pointer', () => {
    const files = spleen();
    const existing = dataFiles('/local/spleen', files['config/dataset_0.json'] as string);
    existing.delete('/local/spleen/labelsTr/spleen_46.nii.gz');
    const issues = validateMmar(files, { dataRoot: '/local/spleen', fileExists: (p) => existing.has(p) });
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'MMAR_DATA_FILE_MISSING',
        file: 'config/dataset_0.json',
        pointer: '/training/1/label',
        message: 'labelsTr/spleen_46.nii.gz does not exist (looked for /local/spleen/labelsTr/spleen_46.nii.gz)',
        line: 24,
        column: 22,
      },
    ]);
  });

  it('reports missing files: environment.json, config_train.json, a config a script runs', () => {
    const files: Record<string, string> = spleen();
    delete files['config/environment.json'];
    delete files['config/config_validation.json'];
    expect(brief(validateMmar(files))).toEqual(
      expect.arrayContaining(['MMAR_MISSING_FILE config/environment.json#', 'MMAR_MISSING_FILE commands/validate.sh#']),
    );
    expect(brief(validateMmar({}))).toEqual(['MMAR_MISSING_FILE config/environment.json#', 'MMAR_MISSING_FILE config/config_train.json#']);
    // An MMAR that only serves its model (no training configuration) is unusual, not broken.
    expect(validateMmar({}).map((i) => i.severity)).toEqual(['error', 'warning']);
    const withTrain = {
      'config/environment.json': '{"DATA_ROOT": "/d", "DATASET_JSON": "d.json", "MMAR_CKPT_DIR": "models"}',
      'config/trn_base.json': '{"epochs": 1, "train": {"trainer": {"path": "my.Trainer"}}}',
    };
    expect(brief(validateMmar(withTrain))).toEqual(expect.arrayContaining(['MMAR_MISSING_FILE commands/train.sh#']));
  });

  it('reports an undefined variable with file, pointer, line and column', () => {
    const files = spleen();
    files['config/config_train.json'] = (files['config/config_train.json'] as string).replace(
      '"lr": "{learning_rate}"',
      '"lr": "{learning_rte}"',
    );
    const issues = validateMmar(files);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: 'MMAR_UNDEFINED_VARIABLE',
      file: 'config/config_train.json',
      pointer: '/train/optimizer/args/lr',
      line: 23,
      column: 15,
    });
    expect(issues[0]?.message).toMatch(/\{learning_rte\}/);
  });

  it('reports out_channels that disagree with the AIAA labels, and AsDiscreted that disagrees', () => {
    const files = spleen();
    files['config/config_aiaa.json'] = (files['config/config_aiaa.json'] as string).replace('"spleen"', '"spleen",\n    "tumour"');
    const issues = validateMmar(files);
    expect(brief(issues)).toEqual([
      'MMAR_OUT_CLASSES_MISMATCH config/config_train.json#/train/model/args/out_channels',
      'MMAR_OUT_CLASSES_MISMATCH config/config_train.json#/train/post_transforms/1/args/n_classes',
      'MMAR_OUT_CLASSES_MISMATCH config/config_validation.json#/post_transforms/1/args/n_classes',
    ]);
    expect(issues[0]?.message).toBe('2 output classes, but config/config_aiaa.json lists 2 labels + background = 3');
  });

  it('compares class counts with each other when no labels are known', () => {
    const files = spleen();
    delete files['config/config_aiaa.json'];
    files['config/dataset_0.json'] = (files['config/dataset_0.json'] as string).replace(/"labels": \{[^}]*\},/, '');
    files['config/config_validation.json'] = (files['config/config_validation.json'] as string).replace('"n_classes": 2', '"n_classes": 3');
    expect(brief(validateMmar(files))).toEqual([
      'MMAR_OUT_CLASSES_MISMATCH config/config_validation.json#/post_transforms/1/args/n_classes',
    ]);
  });

  it('follows out_channels through variables and uses the data list labels', () => {
    const files: Record<string, string> = fixtureFiles('byoc_segmentation');
    expect(validateMmar(files)).toEqual([]);
    files['config/environment.json'] = (files['config/environment.json'] as string).replace('"NUM_CLASSES": 3', '"NUM_CLASSES": 4');
    const issues = validateMmar(files);
    expect(brief(issues)).toEqual(['MMAR_OUT_CLASSES_MISMATCH config/environment.json#/NUM_CLASSES']);
    expect(issues[0]?.message).toMatch(
      /used by config\/config_train\.json\/train\/model\/args\/out_channels.*config\/dataset_0\.json \(3 including background\) = 3/,
    );
  });

  it('reports a DATASET_JSON that does not exist, and a data list without the list a dataset reads', () => {
    const files = spleen();
    files['config/environment.json'] = (files['config/environment.json'] as string).replace(
      'config/dataset_0.json',
      'config/dataset_1.json',
    );
    expect(brief(validateMmar(files))).toEqual(['MMAR_DATASET_JSON_MISSING config/environment.json#/DATASET_JSON']);
    const renamed = spleen();
    renamed['config/dataset_0.json'] = (renamed['config/dataset_0.json'] as string).replace('"validation"', '"valid"');
    expect(brief(validateMmar(renamed)).sort()).toEqual([
      'MMAR_INVALID_DATALIST config/config_inference.json#/dataset/data_list_key',
      'MMAR_INVALID_DATALIST config/config_train.json#/validate/dataset/data_list_key',
      'MMAR_INVALID_DATALIST config/config_validation.json#/dataset/data_list_key',
    ]);
  });

  it('checks an absolute DATASET_JSON through readText and fileExists', () => {
    const files = fixtureFiles('clara_pt_deepgrow_3d_annotation');
    const path = '/workspace/data/deepgrow/3D/MSD_Task09_Spleen/dataset.json';
    const datalist = JSON.stringify({
      training: [{ image: 'images/a.npy', label: 'labels/a.npy' }],
      validation: [{ image: 'images/b.npy', label: 'labels/b.npy' }],
    });
    const root = '/workspace/data/deepgrow/3D/MSD_Task09_Spleen';
    const present = new Set([`${root}/images/a.npy`, `${root}/labels/a.npy`, `${root}/images/b.npy`]);
    const issues = validateMmar(files, { readText: (p) => (p === path ? datalist : undefined), fileExists: (p) => present.has(p) });
    expect(brief(issues)).toEqual([`MMAR_DATA_FILE_MISSING ${path}#/validation/0/label`]);
    expect(brief(validateMmar(files, { readText: () => undefined }))).toEqual([
      'MMAR_DATASET_JSON_MISSING config/environment.json#/DATASET_JSON',
    ]);
  });

  it('reports malformed JSON with line and column, and wrong types with pointers, without throwing', () => {
    const files = spleen();
    files['config/config_validation.json'] = '{\n  "model": [\n}';
    files['config/config_train.json'] = (files['config/config_train.json'] as string)
      .replace('"batch_size": 2', '"batch_size": 2, "x": 1')
      .replace('"name": "DataLoader",\n      "args": {', '"name": 7,\n      "args": {');
    const issues = validateMmar(files);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'MMAR_INVALID_JSON', file: 'config/config_validation.json', pointer: '', line: 3, column: 1 }),
        expect.objectContaining({
          code: 'MMAR_INVALID_CONFIG',
          file: 'config/config_train.json',
          pointer: '/train/dataloader/name',
          message: 'expected a string but found a number',
        }),
      ]),
    );
  });

  it('reports entries of a data list that are not image/label objects', () => {
    const files = spleen();
    files['config/dataset_0.json'] = JSON.stringify({ training: [{ label: 'l.nii.gz' }, 42], validation: [{ image: 'a', label: 'b' }] });
    expect(brief(validateMmar(files))).toEqual([
      'MMAR_INVALID_DATALIST config/dataset_0.json#/training/0/image',
      'MMAR_INVALID_DATALIST config/dataset_0.json#/training/1',
    ]);
  });

  it('words data list findings as before, at the line and column of the value, through the data list rules of @medaas/dataset', () => {
    const files = spleen();
    files['config/dataset_0.json'] =
      '{\n  "training": [\n    {"image": "a", "label": null},\n    ""\n  ],\n  "validation": [{"image": "b"}]\n}\n';
    expect(validateMmar(files, { fileExists: () => true })).toEqual([
      {
        severity: 'error',
        code: 'MMAR_INVALID_DATALIST',
        file: 'config/dataset_0.json',
        pointer: '/training/0/label',
        message: 'a "label" is a path (segmentation) or a number (classification)',
        line: 3,
        column: 29,
      },
      {
        severity: 'error',
        code: 'MMAR_INVALID_DATALIST',
        file: 'config/dataset_0.json',
        pointer: '/training/1',
        message: 'an entry is an object with "image" (and "label") or a path',
        line: 4,
        column: 5,
      },
    ]);
    files['config/dataset_0.json'] = '[]';
    expect(validateMmar(files)).toEqual([
      {
        severity: 'error',
        code: 'MMAR_INVALID_DATALIST',
        file: 'config/dataset_0.json',
        pointer: '',
        message: 'a data list is a JSON object of lists',
        line: 1,
        column: 1,
      },
    ]);
  });

  it('never throws, whatever the files contain', () => {
    const garbage: MmarFiles = {
      'config/environment.json': 'null',
      'config/config_train.json': '[]',
      'config/config_aiaa.json': '{"labels": 5}',
      'commands/train.sh': new Uint8Array([0xff, 0xfe]),
    };
    expect(validateMmar(garbage).every((i) => i.severity === 'error' || i.severity === 'warning')).toBe(true);
  });
});
