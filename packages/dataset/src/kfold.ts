import { DatasetError } from './errors.js';
import { defaultKeyOf, unitsOf, type KeyOf } from './items.js';

/** One fold of a k-fold cross-validation: validate on one k-th, train on the rest. */
export interface Fold<T> {
  readonly training: readonly T[];
  readonly validation: readonly T[];
}

/** Options of {@link kFold}. */
export interface KFoldOptions<T> {
  /** The seed: the same seed and items give the same folds, in any input order. */
  readonly seed: number | string;
  /** Keeps the items of one group (e.g. patient) in one fold. */
  readonly groupBy?: KeyOf<T>;
  /** Identifies an item. Default: the string itself, or the `image` path. */
  readonly keyOf?: KeyOf<T>;
}

/**
 * Splits items into `k` folds for cross-validation, seeded and deterministic. Every item is validated in
 * exactly one fold; without groups fold sizes differ by at most one, and with `groupBy` no group is in two
 * folds. To keep a test set aside, split it off first with `splitDataset` and fold the rest.
 *
 * @param k - the number of folds, at least 2 and at most the number of cases (or groups).
 * @throws {DatasetError} `DATASET_EMPTY` without items; `DATASET_INVALID_ARGUMENT` for a `k` that is not an
 *   integer in range; `DATASET_DUPLICATE_ITEM`, `DATASET_INVALID_ITEM` as for `splitDataset`.
 * @example
 * ```ts
 * for (const [i, fold] of kFold(pairs, 5, { seed: 1 }).entries()) await writeDatalist(`dataset_fold${i}.json`, toDatalist(fold));
 * ```
 */
export function kFold<T>(items: readonly T[], k: number, options: KFoldOptions<T>): Fold<T>[] {
  if (items.length === 0) throw new DatasetError('DATASET_EMPTY', 'there are no items to fold', { details: {} });
  const units = unitsOf(items, options.seed, options.keyOf ?? (defaultKeyOf as KeyOf<T>), options.groupBy);
  if (!Number.isInteger(k) || k < 2 || k > units.length) {
    throw new DatasetError(
      'DATASET_INVALID_ARGUMENT',
      `k must be an integer from 2 to ${units.length} (the number of ${options.groupBy ? 'groups' : 'cases'}), got ${k}`,
      {
        details: { k, units: units.length },
      },
    );
  }
  const folds: T[][] = Array.from({ length: k }, () => []);
  for (const unit of units) {
    let smallest = 0;
    for (let i = 1; i < k; i++) if ((folds[i] as T[]).length < (folds[smallest] as T[]).length) smallest = i;
    (folds[smallest] as T[]).push(...unit.items);
  }
  return folds.map((validation, index) => ({ training: folds.filter((_, i) => i !== index).flat(), validation }));
}
