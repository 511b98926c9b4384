import { MedaasError } from '@medaas/core';

/** The literal codes of every failure `@medaas/dataset` throws. */
export type DatasetErrorCode =
  /** Split fractions are negative, not finite, or do not sum to 1; `details.fractions` has them. */
  | 'DATASET_INVALID_FRACTIONS'
  /** There is nothing to split, fold or write. */
  | 'DATASET_EMPTY'
  /** A path leaves DATA_ROOT (`..`, or absolute outside it); `details` has `path` and `dataRoot`. */
  | 'DATASET_PATH_ESCAPES_ROOT'
  /** Text that should be JSON is not; `details` has `file`, `line`, `column` (1-based). */
  | 'DATASET_INVALID_JSON'
  /** A data list or MSD dataset.json has a wrong type or count; `details` has `file` and `pointer`. */
  | 'DATASET_INVALID_DATALIST'
  /** Two items share a key (the same image twice), or an existing split has a case in two parts. */
  | 'DATASET_DUPLICATE_ITEM'
  /** An existing split puts one group (patient) in two parts, so it cannot grow without leaking. */
  | 'DATASET_GROUP_SPANS_PARTS'
  /** An item has no key: not a string, no `image` path, and no `keyOf` given. */
  | 'DATASET_INVALID_ITEM'
  /** An argument is out of range (k-fold's k, an indent, a missing dataRoot for absolute paths). */
  | 'DATASET_INVALID_ARGUMENT'
  /** A file or folder could not be read or written (Node helpers). */
  | 'DATASET_IO';

/**
 * The error every `@medaas/dataset` function throws. Expected outcomes, such as unpaired files found by
 * `pairImagesWithLabels`, are returned as findings instead.
 *
 * @example
 * ```ts
 * try {
 *   splitDataset(pairs, { seed: 7, fractions: { training: 0.8, validation: 0.3, testing: 0 } });
 * } catch (error) {
 *   if (isMedaasError(error, 'DATASET_INVALID_FRACTIONS')) console.error(error.message);
 * }
 * ```
 */
export class DatasetError extends MedaasError<DatasetErrorCode> {}
