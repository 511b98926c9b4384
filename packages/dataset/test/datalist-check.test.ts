import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { checkDatalist, checkDatalistEntry, looksLikeDatalist, parseDatalist } from '@medaas/dataset';

describe('checkDatalist', () => {
  it('finds every problem, in document order, where parseDatalist stops at the first', () => {
    const value = { training: [{ label: 'l.nii.gz' }, 42, { image: 'a', label: true }], validation: {}, num_testing: 2 };
    const { problems } = checkDatalist(value);
    expect(problems.map((p) => [p.code, p.pointer])).toEqual([
      ['INVALID_IMAGE', '/training/0/image'],
      ['INVALID_ENTRY', '/training/1'],
      ['INVALID_LABEL', '/training/2/label'],
      ['NOT_A_LIST', '/validation'],
      ['COUNT_MISMATCH', '/num_testing'],
    ]);
    expect(problems[0]?.message).toBe('expected a path or a list of paths but found nothing');
    expect(problems[4]?.message).toBe('says 2 but "testing" has 0 entries');
    let thrown: unknown;
    try {
      parseDatalist(value, { file: 'config/dataset_0.json' });
    } catch (error) {
      thrown = error;
    }
    expect(isMedaasError(thrown, 'DATASET_INVALID_DATALIST')).toBe(true);
    expect((thrown as Error).message).toBe(
      'config/dataset_0.json: /training/0/image: expected a path or a list of paths but found nothing',
    );
  });

  it('lists the data files of every entry with their pointers, including entries with problems', () => {
    const { entries, problems } = checkDatalist({
      training: [
        'imagesTr/a.nii.gz',
        { image: ['t1.nii.gz', 3, 't2.nii.gz'], label: 'labelsTr/b.nii.gz' },
        { image: 'c.nii.gz', label: 1 },
      ],
    });
    expect(problems.map((p) => p.pointer)).toEqual(['/training/1/image']);
    expect(entries.flatMap((e) => e.files.map((f) => `${f.role} ${f.pointer} ${f.path}`))).toEqual([
      'image /training/0 imagesTr/a.nii.gz',
      'image /training/1/image/0 t1.nii.gz',
      'image /training/1/image/2 t2.nii.gz',
      'label /training/1/label labelsTr/b.nii.gz',
      'image /training/2/image c.nii.gz',
    ]);
  });

  it('checks every top-level list and the required ones when asked, without counts', () => {
    const value = { fold0: [{ image: '' }], training: [{ image: 'a' }], num_training: 5, labels: { 0: 'background', 1: 'spleen' } };
    const check = checkDatalist(value, { lists: 'every-array', required: ['validation', 'training'], counts: false });
    expect(check.problems.map((p) => [p.code, p.pointer, p.list])).toEqual([
      ['MISSING_LIST', '/validation', 'validation'],
      ['INVALID_IMAGE', '/fold0/0/image', undefined],
    ]);
    expect(check.labelCount).toBe(2);
    expect(checkDatalist([]).problems).toEqual([{ code: 'NOT_AN_OBJECT', pointer: '', message: 'expected an object but found an array' }]);
  });

  it('escapes list names in pointers', () => {
    expect(checkDatalist({ 'a/b': [7] }, { lists: 'every-array' }).problems[0]?.pointer).toBe('/a~1b/0');
  });

  it('accepts exactly the entries parseDatalist accepts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (entry) => {
        const valid = checkDatalistEntry(entry, '/training/0').problems.length === 0;
        let parsed = true;
        try {
          parseDatalist({ training: [entry] });
        } catch {
          parsed = false;
        }
        expect(valid).toBe(parsed);
      }),
    );
  });

  it('tells a data list from a configuration', () => {
    expect(looksLikeDatalist({ training: [{ image: 'a.nii.gz', label: 'b.nii.gz' }], validation: [] })).toBe(true);
    expect(looksLikeDatalist({ train: { handlers: [{ _target_: 'StatsHandler' }] } })).toBe(false);
    expect(looksLikeDatalist({ transforms: [{ _target_: 'LoadImaged' }] })).toBe(false);
    expect(looksLikeDatalist({ description: 'no lists' })).toBe(false);
    expect(looksLikeDatalist(null)).toBe(false);
  });
});
