import { createDocument, type ConfigDocument } from './config-document.js';
import { childPointer, type ShapeChecker } from './shape.js';

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

const REQUIRED = ['DATA_ROOT', 'DATASET_JSON', 'MMAR_CKPT_DIR'] as const;
const OPTIONAL_STRINGS = ['PROCESSING_TASK', 'MMAR_EVAL_OUTPUT_PATH', 'MMAR_CKPT', 'MMAR_TORCHSCRIPT'] as const;

/** The shape rules of `environment.json`. */
export function checkEnvironment(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      check.report(childPointer('', key), `expected a string, number or boolean but found ${item === null ? 'null' : Array.isArray(item) ? 'an array' : 'an object'}`);
    }
  }
  for (const key of REQUIRED) check.field(value, key, '', (v, p) => check.string(v, p), true);
  for (const key of OPTIONAL_STRINGS) check.field(value, key, '', (v, p) => check.string(v, p));
}

/** Options of the `parse*` functions. */
export interface ParseConfigOptions {
  /** The file name used in messages and error details. Default: the file's usual place in an MMAR. */
  readonly file?: string;
}

/**
 * Parses and checks `config/environment.json`.
 *
 * @param json - the file's text.
 * @throws {MmarError} `MMAR_INVALID_JSON` with line and column, `MMAR_INVALID_CONFIG` with the JSON pointer
 *   of a missing `DATA_ROOT` / `DATASET_JSON` / `MMAR_CKPT_DIR` or a value that is not a string, number or boolean.
 * @example
 * ```ts
 * const env = parseEnvironment('{"DATA_ROOT": "/data", "DATASET_JSON": "config/dataset_0.json", "MMAR_CKPT_DIR": "models"}');
 * env.value.DATA_ROOT; // '/data'
 * ```
 */
export function parseEnvironment(json: string, options: ParseConfigOptions = {}): ConfigDocument<Environment> {
  return createDocument('environment', json, options.file ?? 'config/environment.json', checkEnvironment, 'environment');
}
