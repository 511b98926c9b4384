import { checkConfigAiaa } from './config-aiaa.js';
import { createDocument, type ConfigCheck, type ConfigDocument, type ConfigKind } from './config-document.js';
import { checkConfigInference, checkConfigValidation } from './config-evaluation.js';
import { checkConfigTrain, type ConfigTrain } from './config-train.js';
import { checkEnvironment } from './environment.js';
import { MmarError } from './errors.js';
import { removeJsonValue, setJsonValue, type JsonValue } from './json-edit.js';
import { isVariableReference, valueAt } from './shape.js';

const RULES: Readonly<Record<ConfigKind, readonly [ConfigCheck, string]>> = {
  environment: [checkEnvironment, 'environment'],
  train: [checkConfigTrain, 'training configuration'],
  validation: [checkConfigValidation, 'validation configuration'],
  inference: [checkConfigInference, 'inference configuration'],
  aiaa: [checkConfigAiaa, 'AIAA configuration'],
};

/**
 * Parses and checks a configuration of the given kind (the generic form of `parseConfigTrain` and friends).
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with line and column; `MMAR_INVALID_CONFIG` with a JSON pointer.
 * @example
 * ```ts
 * const doc = parseConfig('validation', text, { file: 'config/config_validation_ckpt.json' });
 * ```
 */
export function parseConfig(kind: ConfigKind, json: string, options: { readonly file?: string } = {}): ConfigDocument<unknown> {
  const [rules, what] = RULES[kind];
  return createDocument(kind, json, options.file ?? `config/${kind === 'environment' ? 'environment' : `config_${kind}`}.json`, rules, what);
}

/** Edits to apply: JSON pointer to new value; `undefined` removes the member or item. */
export type ConfigEdits = Readonly<Record<string, JsonValue | undefined>>;

/**
 * Applies edits to a configuration document by splicing its text, so every byte outside the edited values
 * is kept; a missing key is inserted after its siblings, formatted like them (global variables of a
 * training configuration go before `"train"`). The result is checked again.
 *
 * @throws {MmarError} `MMAR_POINTER_NOT_FOUND` when a pointer's parent does not exist; `MMAR_INVALID_CONFIG`
 *   when the edited configuration is no longer valid (e.g. a string where a component is expected).
 * @example
 * ```ts
 * const edited = editConfig(config, { '/train/dataloader/args/batch_size': 4, '/amp': undefined });
 * ```
 */
export function editConfig<T>(config: ConfigDocument<T>, edits: ConfigEdits): ConfigDocument<T> {
  let text = config.text;
  for (const [pointer, value] of Object.entries(edits)) {
    if (value === undefined) text = removeJsonValue(text, pointer, { file: config.file });
    else {
      const topLevelInsert = config.kind === 'train' && /^\/[^/]+$/.test(pointer) && valueAt(config.value, pointer) === undefined;
      text = setJsonValue(text, pointer, value, { file: config.file, ...(topLevelInsert ? { before: 'train' } : {}) });
    }
  }
  return parseConfig(config.kind, text, { file: config.file }) as ConfigDocument<T>;
}

function requirePositive(value: number, what: string, integer: boolean): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${what} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`, {
      details: { [what]: value },
    });
  }
}

/**
 * Sets a setting that may live in a global variable or as a literal in a component: the global when the
 * component refers to one (or no component sets it), the literal when it is written inline.
 */
function setSetting(config: ConfigDocument<ConfigTrain>, globalName: string, literalPointer: string, value: number): ConfigDocument<ConfigTrain> {
  const literal = valueAt(config.value, literalPointer);
  const edits: Record<string, JsonValue> = {};
  if (isVariableReference(literal)) edits[`/${literal.slice(1, -1)}`] = value;
  else if (typeof literal === 'number') edits[literalPointer] = value;
  if (Object.hasOwn(config.value, globalName) || Object.keys(edits).length === 0) edits[`/${globalName}`] = value;
  return editConfig(config, edits);
}

/**
 * Sets the number of training epochs: the `epochs` global variable, and the trainer's `max_epochs` when it
 * is written as a number rather than `"{epochs}"`.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `epochs` is not a positive integer.
 * @example
 * ```ts
 * const edited = setEpochs(parseConfigTrain(text), 300);
 * ```
 */
export function setEpochs(config: ConfigDocument<ConfigTrain>, epochs: number): ConfigDocument<ConfigTrain> {
  requirePositive(epochs, 'epochs', true);
  return setSetting(config, 'epochs', '/train/trainer/args/max_epochs', epochs);
}

/**
 * Sets the learning rate: the `learning_rate` global variable, and the optimizer's `lr` when it is written
 * as a number. The number keeps the original spelling style (`1e-4` stays exponential).
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `learningRate` is not a positive finite number.
 * @example
 * ```ts
 * const edited = setLearningRate(config, 1e-5);
 * ```
 */
export function setLearningRate(config: ConfigDocument<ConfigTrain>, learningRate: number): ConfigDocument<ConfigTrain> {
  requirePositive(learningRate, 'learningRate', false);
  return setSetting(config, 'learning_rate', '/train/optimizer/args/lr', learningRate);
}
