import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import {
  DatasetError,
  parseDatalist,
  parseMsdDataset,
  resolveDataPath,
  splitDataset,
  stringifyDatalist,
  toDatalist,
  toMsdDataset,
} from '@medaas/dataset';

function failure(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

const pairs = Array.from({ length: 10 }, (_, i) => ({
  image: `/data/spleen/imagesTr/spleen_${i}.nii.gz`,
  label: `/data/spleen/labelsTr/spleen_${i}.nii.gz`,
}));

describe('toDatalist / parseDatalist', () => {
  it('writes counts and parts with paths relative to DATA_ROOT, and reads them back', () => {
    const split = splitDataset(pairs, { seed: 5 });
    const datalist = toDatalist(split, {
      dataRoot: '/data/spleen/',
      fields: { description: 'Spleen', labels: { 0: 'background', 1: 'spleen' } },
    });
    expect(Object.keys(datalist)).toEqual([
      'description',
      'labels',
      'num_training',
      'num_validation',
      'num_testing',
      'training',
      'validation',
      'testing',
    ]);
    expect([datalist.num_training, datalist.num_validation, datalist.num_testing]).toEqual([7, 2, 1]);
    expect(
      datalist.training.every(
        (e) => typeof e.image === 'string' && e.image.startsWith('imagesTr/') && String(e.label).startsWith('labelsTr/'),
      ),
    ).toBe(true);
    expect(parseDatalist(stringifyDatalist(datalist))).toEqual(datalist);
    expect(stringifyDatalist(datalist)).toMatch(/^\{\n {4}"description": "Spleen",/);
  });

  it('writes absolute paths under DATA_ROOT on request', () => {
    const datalist = toDatalist(
      { training: [{ image: 'imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz', patient: 'P1' }] },
      { dataRoot: '/data/x', paths: 'absolute' },
    );
    expect(datalist.training).toEqual([{ image: '/data/x/imagesTr/a.nii.gz', label: '/data/x/labelsTr/a.nii.gz', patient: 'P1' }]);
  });

  it('refuses paths that escape DATA_ROOT', () => {
    expect(failure(() => toDatalist({ training: [{ image: '../other/a.nii.gz' }] })).code).toBe('DATASET_PATH_ESCAPES_ROOT');
    expect(failure(() => toDatalist({ training: ['imagesTr/../../a.nii.gz'] })).code).toBe('DATASET_PATH_ESCAPES_ROOT');
    expect(failure(() => toDatalist({ training: ['/etc/passwd'] }, { dataRoot: '/data/spleen' })).code).toBe('DATASET_PATH_ESCAPES_ROOT');
    expect(failure(() => toDatalist({ training: ['/data/spleen2/a.nii.gz'] }, { dataRoot: '/data/spleen' })).details).toMatchObject({
      path: '/data/spleen2/a.nii.gz',
      dataRoot: '/data/spleen',
    });
    expect(failure(() => toDatalist({ training: ['/data/a.nii.gz'] })).code).toBe('DATASET_INVALID_ARGUMENT');
    expect(failure(() => toDatalist({})).code).toBe('DATASET_EMPTY');
  });

  it('reads Clara data lists without counts, and string entries', () => {
    const datalist = parseDatalist(
      '{"training": [{"image": "a.nii.gz", "label": "la.nii.gz"}], "testing": ["t.nii.gz"], "labels": {"0": "bg"}}',
    );
    expect(datalist).toEqual({
      training: [{ image: 'a.nii.gz', label: 'la.nii.gz' }],
      validation: [],
      testing: [{ image: 't.nii.gz' }],
      labels: { '0': 'bg' },
      num_training: 1,
      num_validation: 0,
      num_testing: 1,
    });
  });

  it('reports malformed JSON with line and column, and wrong types with the JSON pointer', () => {
    const malformed = failure(() => parseDatalist('{\n  "training": [\n    {"image": "a"},\n  ]\n}', { file: 'config/dataset_0.json' }));
    expect(malformed.code).toBe('DATASET_INVALID_JSON');
    expect(malformed.details).toMatchObject({ file: 'config/dataset_0.json', line: 4, column: 3 });
    const cases: [string, string][] = [
      ['[]', ''],
      ['{"training": {}}', '/training'],
      ['{"training": [{"image": "a"}, {"image": 3}]}', '/training/1/image'],
      ['{"validation": [{"image": ["a", 2]}]}', '/validation/0/image'],
      ['{"training": [{"image": "a", "label": {}}]}', '/training/0/label'],
      ['{"training": [7]}', '/training/0'],
      ['{"num_validation": 2, "validation": [{"image": "a"}]}', '/num_validation'],
    ];
    for (const [json, pointer] of cases) {
      const error = failure(() => parseDatalist(json));
      expect(error.code).toBe('DATASET_INVALID_DATALIST');
      expect(error.details['pointer']).toBe(pointer);
    }
  });

  it('property: a truncated data list is reported at or before the cut, with a consistent line and column', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, 4), fc.double({ min: 0, max: 1, noNaN: true }), (value, indent, where) => {
        const text = JSON.stringify({ training: [{ image: 'a', extra: value }] }, null, indent);
        const cut = Math.floor(where * (text.length - 1));
        const error = failure(() => parseDatalist(text.slice(0, cut)));
        expect(error.code).toBe('DATASET_INVALID_JSON');
        const { offset, line, column } = error.details as { offset: number; line: number; column: number };
        expect(offset).toBeLessThanOrEqual(cut);
        const before = text.slice(0, offset).split('\n');
        expect([line, column]).toEqual([before.length, (before.at(-1) ?? '').length + 1]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but typed errors on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            parseDatalist(text);
          } catch (error) {
            expect(isMedaasError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('MSD dataset.json', () => {
  const task = {
    name: 'Spleen',
    description: 'Spleen Segmentation',
    tensorImageSize: '3D',
    modality: { '0': 'CT' },
    labels: { '0': 'background', '1': 'spleen' },
    numTraining: 2,
    numTest: 1,
    training: [
      { image: './imagesTr/spleen_19.nii.gz', label: './labelsTr/spleen_19.nii.gz' },
      { image: './imagesTr/spleen_31.nii.gz', label: './labelsTr/spleen_31.nii.gz' },
    ],
    test: ['./imagesTs/spleen_15.nii.gz'],
  };

  it('reads and writes the Decathlon layout', () => {
    expect(parseMsdDataset(JSON.stringify(task))).toEqual(task);
    const written = toMsdDataset(
      { training: task.training.map((p) => ({ image: p.image.slice(2), label: p.label.slice(2) })), test: ['imagesTs/spleen_15.nii.gz'] },
      {
        name: 'Spleen',
        description: 'Spleen Segmentation',
        tensorImageSize: '3D',
        modality: { '0': 'CT' },
        labels: { '0': 'background', '1': 'spleen' },
      },
    );
    expect(written).toEqual(task);
    expect(Object.keys(written)).toEqual(Object.keys(task));
  });

  it('reports wrong types and counts with pointers', () => {
    expect(failure(() => parseMsdDataset(JSON.stringify({ ...task, numTraining: 3 }))).details).toMatchObject({ pointer: '/numTraining' });
    expect(failure(() => parseMsdDataset(JSON.stringify({ ...task, labels: { '0': 1 } }))).details).toMatchObject({ pointer: '/labels/0' });
    expect(failure(() => parseMsdDataset(JSON.stringify({ ...task, training: [{ image: './a' }] }))).details).toMatchObject({
      pointer: '/training/0/label',
    });
    expect(failure(() => parseMsdDataset('{"name": ')).code).toBe('DATASET_INVALID_JSON');
    expect(failure(() => toMsdDataset({ training: [] }, task)).code).toBe('DATASET_EMPTY');
  });
});

describe('resolveDataPath', () => {
  it('normalises relative paths and maps absolute ones under the root', () => {
    expect(resolveDataPath('./imagesTr//a.nii.gz')).toBe('imagesTr/a.nii.gz');
    expect(resolveDataPath('imagesTr/x/../a.nii.gz')).toBe('imagesTr/a.nii.gz');
    expect(resolveDataPath('/data/root/imagesTr/a.nii.gz', { dataRoot: '/data/root/' })).toBe('imagesTr/a.nii.gz');
    expect(resolveDataPath('imagesTr/a.nii.gz', { dataRoot: '/data/root', style: 'absolute' })).toBe('/data/root/imagesTr/a.nii.gz');
    expect(resolveDataPath('C:/data/root/a.nii.gz', { dataRoot: 'C:/data/root' })).toBe('a.nii.gz');
  });

  it('property: a relative path either stays under the root or is refused', () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', '');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
        const path = segments.join('/');
        try {
          const resolved = resolveDataPath(path, { dataRoot: '/root', style: 'absolute' });
          expect(resolved.startsWith('/root/')).toBe(true);
          expect(resolved.split('/')).not.toContain('..');
        } catch (error) {
          expect(isMedaasError(error, 'DATASET_PATH_ESCAPES_ROOT', 'DATASET_INVALID_ARGUMENT')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
