import { appendJsonPointer } from '@medaas/core';
import { checkComponent, checkComponentList, type ComponentConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import type { ParseConfigOptions } from './environment.js';
import { type ShapeChecker } from './shape.js';

/** The `inference` block of `config_aiaa.json`: which keys carry input and output, and the back ends. */
export interface AiaaInference {
  readonly input?: string;
  readonly output?: string;
  /** The in-process back end, e.g. `aiaa.inference.PyTorchInference`. */
  readonly AIAA?: ComponentConfig;
  /** The Triton back end and its `triton_model_config`. */
  readonly TRITON?: ComponentConfig;
  readonly [key: string]: unknown;
}

/**
 * `config/config_aiaa.json`: how the AI-assisted annotation server runs the model. `labels` lists the
 * foreground classes in output-channel order (background is implied for softmax segmentation). Clara 3
 * archives have no `version` and describe their back end in the `inference` block itself (`name`,
 * `args`, `tf`, `trtis`).
 */
export interface ConfigAiaa {
  readonly version?: number | string;
  /** `segmentation`, `annotation` (DExtr3D), `deepgrow`, `classification`, `pipeline`, `others`. */
  readonly type: string;
  readonly labels: readonly string[];
  readonly description?: string;
  readonly pre_transforms?: readonly ComponentConfig[];
  readonly inference?: AiaaInference;
  readonly post_transforms?: readonly ComponentConfig[];
  readonly writer?: ComponentConfig;
  readonly [key: string]: unknown;
}

/** The shape rules of `config_aiaa.json` (Clara 3 and 4). */
export function checkConfigAiaa(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  check.field(
    value,
    'version',
    '',
    (v, p) => typeof v === 'number' || typeof v === 'string' || check.report(p, 'expected a number or a string'),
  );
  check.field(value, 'type', '', (v, p) => check.string(v, p), 'the AIAA server needs the model type');
  const segments = value['type'] === 'segmentation' || value['type'] === 'annotation';
  check.field(
    value,
    'labels',
    '',
    (labels, pointer) => {
      if (check.array(labels, pointer)) labels.forEach((label, index) => check.string(label, appendJsonPointer(pointer, index)));
    },
    segments ? 'segmentation models name their labels' : undefined,
  );
  check.field(value, 'description', '', (v, p) => typeof v === 'string' || check.report(p, 'expected a string'));
  check.field(value, 'pre_transforms', '', (v, p) => checkComponentList(check, v, p));
  check.field(value, 'post_transforms', '', (v, p) => checkComponentList(check, v, p));
  check.field(value, 'writer', '', (v, p) => checkComponent(check, v, p));
  check.field(value, 'inference', '', (inference, pointer) => {
    if (!check.object(inference, pointer)) return;
    check.field(inference, 'input', pointer, (v, p) => check.string(v, p));
    check.field(inference, 'output', pointer, (v, p) => check.string(v, p));
    check.field(inference, 'AIAA', pointer, (v, p) => checkComponent(check, v, p));
    check.field(inference, 'TRITON', pointer, (v, p) => checkComponent(check, v, p));
    // Clara 3: the block itself names the back end class.
    if (Object.hasOwn(inference, 'name') || Object.hasOwn(inference, 'path')) checkComponent(check, inference, pointer);
  });
}

/**
 * Parses `config/config_aiaa.json` of either generation. Shape problems are `findings` of the document
 * (e.g. `/labels/1` for a label that is not a string), not errors, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with a JSON pointer.
 * @example
 * ```ts
 * parseConfigAiaa(text).value.labels; // ['spleen']
 * ```
 */
export function parseConfigAiaa(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigAiaa> {
  return createDocument('aiaa', json, options.file ?? 'config/config_aiaa.json', checkConfigAiaa, 'AIAA configuration', options);
}
