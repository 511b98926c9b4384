import { checkModel } from './components.js';
import type { ModelConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import { checkEvaluationBody, type ValidateSection } from './config-train.js';
import type { ParseConfigOptions } from './environment.js';
import type { ShapeChecker } from './shape.js';

/**
 * `config/config_validation.json` and `config/config_inference.json`: global variables and, at the top
 * level, the model to load (a TorchScript file or a checkpoint, often both with one disabled) and the
 * evaluation pipeline.
 */
export type ConfigEvaluation = Omit<ValidateSection, 'metrics'> & {
  readonly model: ModelConfig | readonly ModelConfig[];
  readonly metrics?: ValidateSection['metrics'];
  readonly [variable: string]: unknown;
};

function rulesFor(requireMetrics: boolean) {
  return (check: ShapeChecker, value: unknown): void => {
    if (!check.object(value, '')) return;
    check.field(value, 'model', '', (v, p) => checkModel(check, v, p), true);
    checkEvaluationBody(check, value, '', requireMetrics);
  };
}

/** The shape rules of `config_validation.json`. */
export const checkConfigValidation = rulesFor(true);
/** The shape rules of `config_inference.json`. */
export const checkConfigInference = rulesFor(false);

/**
 * Parses and checks `config/config_validation.json` (model, pipeline and the metrics to report).
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with line and column; `MMAR_INVALID_CONFIG` with a JSON pointer.
 * @example
 * ```ts
 * const validation = parseConfigValidation(text);
 * validation.value.metrics?.[0]?.log_label; // 'val_mean_dice'
 * ```
 */
export function parseConfigValidation(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigEvaluation> {
  return createDocument('validation', json, options.file ?? 'config/config_validation.json', checkConfigValidation, 'validation configuration');
}

/**
 * Parses and checks `config/config_inference.json` (like the validation config; metrics optional).
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with line and column; `MMAR_INVALID_CONFIG` with a JSON pointer.
 * @example
 * ```ts
 * const inference = parseConfigInference(text);
 * inference.value.inferer; // { name: 'SlidingWindowInferer', args: { ... } }
 * ```
 */
export function parseConfigInference(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigEvaluation> {
  return createDocument('inference', json, options.file ?? 'config/config_inference.json', checkConfigInference, 'inference configuration');
}
