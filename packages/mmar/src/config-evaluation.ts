import { checkModel } from './components.js';
import type { ModelConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import type { ValidateSection } from './config-train.js';
import type { ParseConfigOptions } from './environment.js';
import { checkEvaluationBody } from './evaluation-rules.js';
import { detectGeneration } from './generation.js';
import type { ShapeChecker } from './shape.js';
import { checkTrainGlobals } from './train-rules.js';

/**
 * A validation or inference configuration (`config_validation*.json`, `config_inference*.json`): global
 * variables and, at the top level, the model to load and the evaluation pipeline. Clara 4 loads a
 * TorchScript file or a checkpoint (`model`, often both with one disabled); Clara 3 a `model_loader`.
 */
export type ConfigEvaluation = ValidateSection & {
  readonly model?: ModelConfig | readonly ModelConfig[];
  readonly [variable: string]: unknown;
};

/** The shape rules of a validation or inference configuration (any generation). */
export function checkConfigEvaluation(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  checkTrainGlobals(check, value);
  const generation = detectGeneration('validation', value);
  check.field(
    value,
    'model',
    '',
    (v, p) => checkModel(check, v, p),
    generation === 'clara4' ? 'Clara 4 evaluation configurations name the model to load' : undefined,
  );
  if (generation === 'clara3' && !Object.hasOwn(value, 'model_loader'))
    check.unknown('', 'no "model_loader" (Clara 3 evaluation configurations load the model with one); kept as it is');
  if (generation === 'unknown')
    check.unknown(
      '',
      'the layout matches neither a Clara 4 (model, evaluator) nor a Clara 3 (model_loader) evaluation configuration; kept as it is',
    );
  checkEvaluationBody(check, value, '', generation);
}

/**
 * Parses a validation configuration (`config/config_validation.json`, `config_validation_ckpt.json`, ...)
 * of either generation: the model, the pipeline and the metrics (`metrics`, or `key_metric` with
 * `additional_metrics`). Shape problems are `findings` of the document, not errors, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with a JSON pointer.
 * @example
 * ```ts
 * const validation = parseConfigValidation(text);
 * validation.value.key_metric?.log_label ?? validation.value.metrics?.[0]?.log_label; // 'val_mean_dice'
 * ```
 */
export function parseConfigValidation(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigEvaluation> {
  return createDocument(
    'validation',
    json,
    options.file ?? 'config/config_validation.json',
    checkConfigEvaluation,
    'validation configuration',
    options,
  );
}

/**
 * Parses an inference configuration (`config/config_inference.json`): like a validation configuration,
 * usually without metrics.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with a JSON pointer.
 * @example
 * ```ts
 * const inference = parseConfigInference(text);
 * inference.value.inferer; // { name: 'SlidingWindowInferer', args: { ... } }
 * ```
 */
export function parseConfigInference(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigEvaluation> {
  return createDocument(
    'inference',
    json,
    options.file ?? 'config/config_inference.json',
    checkConfigEvaluation,
    'inference configuration',
    options,
  );
}
