import { appendJsonPointer } from '@medaas/core';
import { createDocument, type ConfigDocument } from './config-document.js';
import { type ShapeChecker } from './shape.js';

/**
 * `config/environment.json`: the paths an MMAR runs with. Clara resolves `DATASET_JSON`, `MMAR_CKPT_DIR`,
 * `MMAR_CKPT` and `MMAR_TORCHSCRIPT` against the MMAR root when they are relative, and data list entries
 * against `DATA_ROOT`. Any other entry is a variable that configs may reference as `{NAME}`.
 */
export interface Environment {
  /** The folder the data list's image and label paths are relative to. */
  readonly DATA_ROOT: string;
  /** The data list (`dataset_0.json`), relative to the MMAR root or absolute. */
  readonly DATASET_JSON: string;
  /** Where checkpoints and TensorBoard logs go. */
  readonly MMAR_CKPT_DIR: string;
  /** `segmentation`, `classification`, `annotation` (DeepGrow)... */
  readonly PROCESSING_TASK?: string;
  /** Where validation and inference write their results (`eval`). */
  readonly MMAR_EVAL_OUTPUT_PATH?: string;
  /** The checkpoint to start from when fine-tuning, and to validate (`models/model.pt`). */
  readonly MMAR_CKPT?: string;
  /** The exported TorchScript model (`models/model.ts`). */
  readonly MMAR_TORCHSCRIPT?: string;
  /** Further variables. */
  readonly [name: string]: string | number | boolean | undefined;
}

const USUAL = ['DATA_ROOT', 'DATASET_JSON', 'MMAR_CKPT_DIR'] as const;
const STRINGS = [
  'DATA_ROOT',
  'DATASET_JSON',
  'MMAR_CKPT_DIR',
  'PROCESSING_TASK',
  'MMAR_EVAL_OUTPUT_PATH',
  'MMAR_CKPT',
  'MMAR_TORCHSCRIPT',
] as const;

/** The shape rules of `environment.json`. */
export function checkEnvironment(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      check.report(
        appendJsonPointer('', key),
        `expected a string, number or boolean but found ${item === null ? 'null' : Array.isArray(item) ? 'an array' : 'an object'}`,
      );
    }
  }
  for (const key of STRINGS) {
    check.field(value, key, '', (v, p) => {
      if (typeof v !== 'string') check.report(p, `expected a string but found ${v === null ? 'null' : typeof v}`);
      else if (v.trim() === '' && (USUAL as readonly string[]).includes(key))
        check.unknown(p, `${key} is empty; Clara resolves paths against it`);
    });
  }
  for (const key of USUAL)
    if (!Object.hasOwn(value, key)) check.unknown('', `no "${key}" (Clara's environment.json sets it); kept as it is`);
}

/** Options of the `parse*` functions. */
export interface ParseConfigOptions {
  /** The file name used in messages and error details. Default: the file's usual place in an MMAR. */
  readonly file?: string;
  /**
   * Throw `MMAR_INVALID_CONFIG` for values Clara cannot use (an `args` that is not an object, a
   * component without a class) instead of keeping them as `findings`. Shapes this library does not
   * know never throw. Default false.
   */
  readonly strict?: boolean;
}

/**
 * Parses `config/environment.json`. An entry that is not a string, number or boolean, or a path entry
 * that is not a string, is a finding of severity `error`; a missing `DATA_ROOT` / `DATASET_JSON` /
 * `MMAR_CKPT_DIR` a warning.
 *
 * @param json - the file's text.
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with the JSON pointer.
 * @example
 * ```ts
 * const env = parseEnvironment('{"DATA_ROOT": "/data", "DATASET_JSON": "config/dataset_0.json", "MMAR_CKPT_DIR": "models"}');
 * env.value.DATA_ROOT; // '/data'
 * ```
 */
export function parseEnvironment(json: string, options: ParseConfigOptions = {}): ConfigDocument<Environment> {
  return createDocument('environment', json, options.file ?? 'config/environment.json', checkEnvironment, 'environment', options);
}
