import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { editBundleConfig, insertBundleConfigItem, type BundleConfigDocument } from './bundle-config.js';
import type { BundleLocation } from './bundle-findings.js';
import { assembleBundle, type Bundle } from './bundle.js';

/** One change to one configuration file of a bundle. */
export interface BundleEdit {
  readonly file: string;
  readonly pointer: string;
  /** The new value; `undefined` removes the key or item. */
  readonly value: JsonValue | undefined;
  /** Insert `value` into the list at `pointer` (whose last segment is the index) instead of replacing. */
  readonly insert?: boolean;
}

/**
 * Applies edits to a bundle's configuration files, each changing only its own value's text, and returns the
 * new bundle; files that are not edited stay the same strings and documents.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` for an edit of a file that is not a configuration of the bundle, and
 *   the errors of `editBundleConfig`.
 * @example
 * ```ts
 * const edited = editBundle(bundle, [{ file: 'configs/train.json', pointer: '/val_interval', value: 1 }]);
 * ```
 */
export function editBundle(bundle: Bundle, edits: readonly BundleEdit[]): Bundle {
  const configs = new Map(bundle.configs);
  const files: Record<string, string | Uint8Array> = { ...bundle.files };
  for (const edit of edits) {
    const document = configs.get(edit.file);
    if (!document)
      throw new MmarError('MMAR_MISSING_FILE', `${edit.file} is not a configuration of the bundle`, { details: { file: edit.file } });
    const next: BundleConfigDocument = edit.insert
      ? insertBundleConfigItem(document, edit.pointer, edit.value as JsonValue)
      : editBundleConfig(document, { [edit.pointer]: edit.value });
    configs.set(edit.file, next);
    files[edit.file] = next.text;
  }
  return assembleBundle(files, configs);
}

/** Adds a configuration file to a bundle (a generated overlay such as `configs/multi_gpu_train.json`). */
export function addBundleConfig(bundle: Bundle, document: BundleConfigDocument): Bundle {
  const configs = new Map(bundle.configs);
  configs.set(document.file, document);
  return assembleBundle({ ...bundle.files, [document.file]: document.text }, configs);
}

/** The edit of the value at a location, refusing values that only a command-line override sets. */
export function editAt(location: BundleLocation | undefined, value: JsonValue, what: string): BundleEdit {
  if (!location || location.file === '<overrides>') {
    throw new MmarError('MMAR_INVALID_CONFIG', `${what} is not written in a configuration file of the bundle`, { details: { what } });
  }
  return { file: location.file, pointer: location.pointer, value };
}

/** Keeps the first edit of each file and pointer. */
export function distinctEdits(edits: readonly BundleEdit[]): BundleEdit[] {
  const seen = new Set<string>();
  return edits.filter((edit) => {
    const key = `${edit.file}\0${edit.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Refuses a count or rate that MONAI cannot use. */
export function requirePositive(value: number, what: string, integer: boolean): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${what} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`, {
      details: { [what]: value },
    });
  }
}
