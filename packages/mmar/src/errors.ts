import { MedaasError } from '@medaas/core';

/** The literal codes of every failure `@medaas/mmar` throws. */
export type MmarErrorCode =
  /** The text is not JSON; `details` has `file`, `line`, `column` and `offset` (1-based line and column). */
  | 'MMAR_INVALID_JSON'
  /** The JSON is well-formed but a value has a type Clara cannot use (only with `strict`, or from an edit); `details` has `file` and `pointer`. */
  | 'MMAR_INVALID_CONFIG'
  /** A `{name}` reference names no global variable and no environment entry; `details` has `name` and `pointer`. */
  | 'MMAR_UNDEFINED_VARIABLE'
  /** An edit addresses a JSON pointer whose parent does not exist, or an array index out of range. */
  | 'MMAR_POINTER_NOT_FOUND'
  /** A function received an argument it cannot use (a negative epoch count, a non-finite learning rate...). */
  | 'MMAR_INVALID_ARGUMENT'
  /** A file the operation needs is not part of the MMAR; `details.file` names it. */
  | 'MMAR_MISSING_FILE'
  /** A path in the MMAR is absolute or leaves the MMAR folder (`..`). */
  | 'MMAR_UNSAFE_PATH'
  /** A file or folder could not be read or written (Node helpers). */
  | 'MMAR_IO'
  /** An edit found no place in the configuration that holds the setting (a trainer of the user's own that takes no such argument). */
  | 'MMAR_NO_EDIT_SITE'
  /** More than one configuration could be meant (several training configurations); `details.candidates` lists them. */
  | 'MMAR_AMBIGUOUS_CONFIG'
  /** A YAML text does not parse (tabs as indentation, a duplicate key, bad syntax); `details` has `file`, `line`, `column` and `offset`. */
  | 'MMAR_INVALID_YAML'
  /** A MONAI bundle `@id` reference or `%` macro leads back to itself; `details` has `file`, `pointer` and `cycle` (the ids in order). */
  | 'MMAR_REFERENCE_CYCLE'
  /** A MONAI bundle `@id` reference or `%` macro names an id (or file) that does not exist; `details` has `file`, `pointer` and `id`. */
  | 'MMAR_DANGLING_REFERENCE';

/**
 * The error every `@medaas/mmar` function throws. Expected outcomes, such as the findings of
 * `validateMmar`, are returned as values instead.
 *
 * @example
 * ```ts
 * try {
 *   parseConfigTrain(text);
 * } catch (error) {
 *   if (isMedaasError(error, 'MMAR_INVALID_JSON')) console.error(`line ${error.details.line}: ${error.message}`);
 * }
 * ```
 */
export class MmarError extends MedaasError<MmarErrorCode> {}
