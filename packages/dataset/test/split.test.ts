import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kFold, splitAssignments, splitDataset, toFractions, type DatasetSplit, type SplitFractions } from '@medaas/dataset';

const PARTS = ['training', 'validation', 'testing'] as const;
const keys = (split: DatasetSplit<string>): string[] => PARTS.flatMap((p) => [...split[p]]);
const sizes = (split: DatasetSplit<unknown>): number[] => PARTS.map((p) => split[p].length);

const caseNames = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 120 });
const fractionsArb: fc.Arbitrary<SplitFractions> = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b, c]) => a + b + c > 0)
  .map(([a, b, c]) => ({ training: a / (a + b + c), validation: b / (a + b + c), testing: 1 - a / (a + b + c) - b / (a + b + c) }))
  .filter((f) => f.testing >= 0);
const seedArb = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));

function withinOne(split: DatasetSplit<unknown>, fractions: SplitFractions): void {
  const total = sizes(split).reduce((a, b) => a + b, 0);
  for (const part of PARTS) expect(Math.abs(split[part].length - fractions[part] * total)).toBeLessThan(1 + 1e-9);
}

describe('splitDataset', () => {
  it('splits 70:20:10 by default', () => {
    const cases = Array.from({ length: 100 }, (_, i) => `imagesTr/case_${i}.nii.gz`);
    expect(sizes(splitDataset(cases, { seed: 1 }))).toEqual([70, 20, 10]);
    expect(sizes(splitDataset(cases.slice(0, 10), { seed: 1 }))).toEqual([7, 2, 1]);
  });

  it('keys pairs by their image and keeps the objects', () => {
    const pairs = [1, 2, 3].map((i) => ({ image: `imagesTr/s_${i}.nii.gz`, label: `labelsTr/s_${i}.nii.gz` }));
    const split = splitDataset(pairs, { seed: 'x', fractions: [1, 0, 0] });
    expect([...split.training].sort((a, b) => a.image.localeCompare(b.image))).toEqual(pairs);
    expect(splitAssignments(split).get('imagesTr/s_2.nii.gz')).toBe('training');
  });

  it('refuses fractions that do not sum to 1, negative ones, empty datasets and duplicates', () => {
    for (const fractions of [
      { training: 0.8, validation: 0.3, testing: 0 },
      [0.5, 0.5, 0.5],
      [1.2, -0.2, 0],
      [Number.NaN, 0.5, 0.5],
    ] as const) {
      expect(() => splitDataset(['a'], { seed: 1, fractions: fractions as SplitFractions })).toThrowError(
        expect.objectContaining({ code: 'DATASET_INVALID_FRACTIONS' }),
      );
    }
    expect(toFractions([0.7, 0.2, 0.1])).toEqual({ training: 0.7, validation: 0.2, testing: 0.1 });
    expect(() => splitDataset([], { seed: 1 })).toThrowError(expect.objectContaining({ code: 'DATASET_EMPTY' }));
    expect(() => splitDataset(['a', 'a'], { seed: 1 })).toThrowError(expect.objectContaining({ code: 'DATASET_DUPLICATE_ITEM' }));
    expect(() => splitDataset([{ label: 'x' }], { seed: 1 })).toThrowError(expect.objectContaining({ code: 'DATASET_INVALID_ITEM' }));
    expect(() => splitDataset(['b'], { seed: 1, existing: { training: ['a'], testing: ['a'] } })).toThrowError(
      expect.objectContaining({ code: 'DATASET_DUPLICATE_ITEM' }),
    );
    expect(() =>
      splitDataset(['c'], { seed: 1, groupBy: (k) => k[0] as string, existing: { training: ['p1'], testing: ['p2'] } }),
    ).toThrowError(expect.objectContaining({ code: 'DATASET_GROUP_SPANS_PARTS' }));
  });

  it('property: deterministic for a seed, whatever the input order', () => {
    fc.assert(
      fc.property(caseNames, seedArb, fractionsArb, fc.nat(), (cases, seed, fractions, shuffleSeed) => {
        const shuffled = [...cases].sort(
          (a, b) => ((a.length * 31 + shuffleSeed) % 7) - ((b.length * 31 + shuffleSeed) % 7) || (a < b ? 1 : -1),
        );
        const one = splitDataset(cases, { seed, fractions });
        const two = splitDataset(shuffled, { seed, fractions });
        expect(two).toEqual(one);
      }),
      { numRuns: 200 },
    );
  });

  it('property: disjoint, complete and within one case of the fractions', () => {
    fc.assert(
      fc.property(caseNames, seedArb, fractionsArb, (cases, seed, fractions) => {
        const split = splitDataset(cases, { seed, fractions });
        const all = keys(split);
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual([...cases].sort());
        withinOne(split, fractions);
      }),
      { numRuns: 300 },
    );
  });

  it('property: group-safe, no patient in two parts, and all cases placed', () => {
    const grouped = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.string({ minLength: 1, maxLength: 6 })), {
      minLength: 1,
      maxLength: 80,
      selector: ([p, s]) => `${p}/${s}`,
    });
    fc.assert(
      fc.property(grouped, seedArb, fractionsArb, (pairs, seed, fractions) => {
        const cases = pairs.map(([patient, scan]) => `patient_${patient}/${scan}`);
        const groupBy = (key: string): string => key.split('/')[0] as string;
        const split = splitDataset(cases, { seed, fractions, groupBy });
        expect(keys(split).sort()).toEqual([...cases].sort());
        const partOf = new Map<string, string>();
        for (const part of PARTS) {
          for (const key of split[part]) {
            const group = groupBy(key);
            expect(partOf.get(group) ?? part).toBe(part);
            partOf.set(group, part);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: stable under growth, within one case after growing, and group-safe while growing', () => {
    fc.assert(
      fc.property(caseNames, caseNames, seedArb, fractionsArb, (first, more, seed, fractions) => {
        const before = splitDataset(first, { seed, fractions });
        const grown = splitDataset([...new Set([...first, ...more])], { seed, fractions, existing: before });
        for (const part of PARTS) expect(grown[part].slice(0, before[part].length)).toEqual(before[part]);
        const all = keys(grown);
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual([...new Set([...first, ...more])].sort());
        withinOne(grown, fractions);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a new scan of a known patient joins that patient, never another part', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 20 }), seedArb, (patients, seed) => {
        const groupBy = (key: string): string => key.split('/')[0] as string;
        const first = patients.map((p) => `p${p}/ct_1`);
        const before = splitDataset(first, { seed, groupBy });
        const grown = splitDataset([...first, ...patients.map((p) => `p${p}/ct_2`)], { seed, groupBy, existing: before });
        const where = splitAssignments(grown, (k) => k);
        for (const p of patients) expect(where.get(`p${p}/ct_2`)).toBe(where.get(`p${p}/ct_1`));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps cases of an existing split that the new items lack', () => {
    const grown = splitDataset(['c'], { seed: 3, existing: { training: ['a'], validation: ['b'] } });
    expect(keys(grown).sort()).toEqual(['a', 'b', 'c']);
    expect(grown.training[0]).toBe('a');
    expect(grown.validation[0]).toBe('b');
  });
});

describe('kFold', () => {
  it('property: every case is validated exactly once, folds differ by at most one, deterministic', () => {
    fc.assert(
      fc.property(
        caseNames.filter((c) => c.length >= 2),
        fc.integer({ min: 2, max: 10 }),
        seedArb,
        (cases, kWanted, seed) => {
          const k = Math.min(kWanted, cases.length);
          const folds = kFold(cases, k, { seed });
          expect(folds).toHaveLength(k);
          const validated = folds.flatMap((f) => [...f.validation]);
          expect(validated.sort()).toEqual([...cases].sort());
          const lengths = folds.map((f) => f.validation.length);
          expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
          for (const fold of folds) {
            expect([...fold.training, ...fold.validation].sort()).toEqual([...cases].sort());
          }
          expect(kFold([...cases].reverse(), k, { seed })).toEqual(folds);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps groups in one fold and refuses a k out of range', () => {
    const cases = ['a/1', 'a/2', 'b/1', 'c/1', 'c/2', 'c/3', 'd/1'];
    const folds = kFold(cases, 3, { seed: 9, groupBy: (k) => k[0] as string });
    for (const group of ['a', 'b', 'c', 'd']) {
      expect(folds.filter((f) => f.validation.some((k) => k.startsWith(group))).length).toBe(1);
    }
    expect(() => kFold(cases, 5, { seed: 1, groupBy: (k) => k[0] as string })).toThrowError(
      expect.objectContaining({ code: 'DATASET_INVALID_ARGUMENT' }),
    );
    expect(() => kFold(cases, 1, { seed: 1 })).toThrowError(expect.objectContaining({ code: 'DATASET_INVALID_ARGUMENT' }));
    expect(() => kFold([], 2, { seed: 1 })).toThrowError(expect.objectContaining({ code: 'DATASET_EMPTY' }));
  });
});
