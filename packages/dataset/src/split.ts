import { DatasetError } from './errors.js';
import { compareKeys, defaultKeyOf, unitsOf, type KeyOf } from './items.js';

/** The three parts of a split, in data list order. */
export type SplitPart = 'training' | 'validation' | 'testing';

/** The parts, in the order ties are broken. */
export const SPLIT_PARTS: readonly SplitPart[] = ['training', 'validation', 'testing'];

/** The share of cases in each part; the three sum to 1. */
export interface SplitFractions {
  readonly training: number;
  readonly validation: number;
  readonly testing: number;
}

/** The default 70:20:10 split. */
export const DEFAULT_FRACTIONS: SplitFractions = Object.freeze({ training: 0.7, validation: 0.2, testing: 0.1 });

/** The items of each part. */
export interface DatasetSplit<T> {
  readonly training: readonly T[];
  readonly validation: readonly T[];
  readonly testing: readonly T[];
}

/** Options of {@link splitDataset}. */
export interface SplitDatasetOptions<T> {
  /** The seed: the same seed and items give the same split, in any input order. */
  readonly seed: number | string;
  /** Default 70:20:10. A `[training, validation, testing]` tuple is accepted too. */
  readonly fractions?: SplitFractions | readonly [number, number, number];
  /** Keeps the items of one group (e.g. patient) in one part. */
  readonly groupBy?: KeyOf<T>;
  /** Identifies an item. Default: the string itself, or the `image` path. */
  readonly keyOf?: KeyOf<T>;
  /**
   * A split made before (e.g. read from the data list the model was trained with). Its cases stay where
   * they are; only items it does not contain are placed. Items it contains but `items` lacks are kept.
   */
  readonly existing?: Partial<DatasetSplit<T>>;
}

/**
 * Checks and normalises split fractions.
 *
 * @throws {DatasetError} `DATASET_INVALID_FRACTIONS` when one is negative or not finite, or they do not sum
 *   to 1 (within 1e-9).
 * @example
 * ```ts
 * toFractions([0.8, 0.2, 0]); // { training: 0.8, validation: 0.2, testing: 0 }
 * ```
 */
export function toFractions(fractions: SplitFractions | readonly [number, number, number] = DEFAULT_FRACTIONS): SplitFractions {
  const [training, validation, testing] = Array.isArray(fractions)
    ? (fractions as readonly number[])
    : [(fractions as SplitFractions).training, (fractions as SplitFractions).validation, (fractions as SplitFractions).testing];
  const values = [training, validation, testing];
  const sum = values.reduce<number>((a, b) => a + (b ?? Number.NaN), 0);
  if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0) || Math.abs(sum - 1) > 1e-9) {
    throw new DatasetError(
      'DATASET_INVALID_FRACTIONS',
      `fractions must be three non-negative numbers that sum to 1, got ${values.join(' + ')} = ${sum}`,
      {
        details: { fractions: values },
      },
    );
  }
  return { training: training as number, validation: validation as number, testing: testing as number };
}

/**
 * Splits items into training, validation and testing, seeded and deterministic: the same seed and items
 * give the same split whatever their order. Cases (or whole groups, with `groupBy`) are taken in the order
 * of a seeded 64-bit FNV-1a hash of their key and each goes to the part furthest below its target share,
 * so every part stays within one case of its fraction at every step (without groups).
 *
 * Growth is stable: with `existing`, cases already placed never move (a new case of a known group joins
 * its group), and only new cases are placed, so the parts converge to the fractions while a fine-tuned
 * model is never validated on its own training data.
 *
 * @param items - the cases: strings, `{ image, label }` pairs, or anything with `keyOf`.
 * @throws {DatasetError} `DATASET_INVALID_FRACTIONS`, `DATASET_EMPTY` (no items and no existing split),
 *   `DATASET_DUPLICATE_ITEM` (a key twice, or in two existing parts), `DATASET_GROUP_SPANS_PARTS` (an
 *   existing split with a group in two parts), `DATASET_INVALID_ITEM` (an item without a key).
 * @example
 * ```ts
 * const split = splitDataset(pairs, { seed: 42, groupBy: (p) => p.image.split('/')[1]!.split('_')[0]! });
 * const grown = splitDataset([...pairs, ...newPairs], { seed: 42, existing: split });
 * ```
 */
export function splitDataset<T>(items: readonly T[], options: SplitDatasetOptions<T>): DatasetSplit<T> {
  const fractions = toFractions(options.fractions);
  const keyOf = options.keyOf ?? (defaultKeyOf as KeyOf<T>);
  const { groupBy } = options;
  const parts: Record<SplitPart, T[]> = { training: [], validation: [], testing: [] };
  const placed = new Map<string, SplitPart>();
  const groupPart = new Map<string, SplitPart>();
  const fresh = new Map(items.map((item) => [keyOf(item), item] as const));
  for (const part of SPLIT_PARTS) {
    for (const old of options.existing?.[part] ?? []) {
      const key = keyOf(old);
      const previous = placed.get(key);
      if (previous)
        throw new DatasetError('DATASET_DUPLICATE_ITEM', `${key} is in the existing ${previous} and ${part} parts`, {
          details: { key, parts: [previous, part] },
        });
      placed.set(key, part);
      parts[part].push(fresh.get(key) ?? old);
      if (groupBy) {
        const group = groupBy(old);
        const other = groupPart.get(group);
        if (other && other !== part) {
          throw new DatasetError('DATASET_GROUP_SPANS_PARTS', `group ${group} is in both the existing ${other} and ${part} parts`, {
            details: { group, parts: [other, part] },
          });
        }
        groupPart.set(group, part);
      }
    }
  }
  const newcomers = items.filter((item) => !placed.has(keyOf(item)));
  if (newcomers.length === 0 && placed.size === 0) throw new DatasetError('DATASET_EMPTY', 'there are no items to split', { details: {} });
  const units = unitsOf(newcomers, options.seed, keyOf, groupBy);
  const counts: Record<SplitPart, number> = {
    training: parts.training.length,
    validation: parts.validation.length,
    testing: parts.testing.length,
  };
  let total = placed.size;
  const place = (part: SplitPart, members: readonly T[]): void => {
    parts[part].push(...members);
    counts[part] += members.length;
    total += members.length;
  };
  const open = [];
  for (const unit of units) {
    const known = groupPart.get(unit.key);
    if (known) place(known, unit.items);
    else open.push(unit);
  }
  for (const unit of open) {
    const after = total + unit.items.length;
    let best: SplitPart = 'training';
    let bestDeficit = Number.NEGATIVE_INFINITY;
    for (const part of SPLIT_PARTS) {
      if (fractions[part] === 0) continue;
      const deficit = fractions[part] * after - counts[part];
      if (deficit > bestDeficit + 1e-12) {
        best = part;
        bestDeficit = deficit;
      }
    }
    place(best, unit.items);
  }
  return parts;
}

/**
 * Which part each case of a split is in, by key; handy to show a user where a case went.
 *
 * @example
 * ```ts
 * splitAssignments(split).get('imagesTr/spleen_2.nii.gz'); // 'validation'
 * ```
 */
export function splitAssignments<T>(split: DatasetSplit<T>, keyOf: KeyOf<T> = defaultKeyOf as KeyOf<T>): Map<string, SplitPart> {
  const out = new Map<string, SplitPart>();
  for (const part of SPLIT_PARTS) for (const item of split[part]) out.set(keyOf(item), part);
  return new Map([...out].sort((a, b) => compareKeys(a[0], b[0])));
}
