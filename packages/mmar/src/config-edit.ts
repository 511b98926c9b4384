import { resolveJsonPointer } from '@medaas/core';
import { checkConfigAiaa } from './config-aiaa.js';
import { createDocument, type ConfigCheck, type ConfigDocument, type ConfigKind } from './config-document.js';
import { checkConfigEvaluation } from './config-evaluation.js';
import { checkConfigFedClient, checkConfigFedServer } from './config-federated.js';
import { checkConfigTrain } from './config-train.js';
import { checkEnvironment, type ParseConfigOptions } from './environment.js';
import { MmarError } from './errors.js';
import { removeJsonValue, setJsonValue, type JsonValue } from './json-edit.js';

const RULES: Readonly<Record<ConfigKind, readonly [ConfigCheck, string, string]>> = {
  environment: [checkEnvironment, 'environment', 'config/environment.json'],
  train: [checkConfigTrain, 'training configuration', 'config/config_train.json'],
  validation: [checkConfigEvaluation, 'validation configuration', 'config/config_validation.json'],
  inference: [checkConfigEvaluation, 'inference configuration', 'config/config_inference.json'],
  aiaa: [checkConfigAiaa, 'AIAA configuration', 'config/config_aiaa.json'],
  'fed-client': [checkConfigFedClient, 'federated client configuration', 'config/config_fed_client.json'],
  'fed-server': [checkConfigFedServer, 'federated server configuration', 'config/config_fed_server.json'],
};

/**
 * Parses a configuration of the given kind (the generic form of `parseConfigTrain` and friends). Shape
 * problems are `findings` of the document, not errors, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`
 *   with a JSON pointer.
 * @example
 * ```ts
 * const doc = parseConfig('validation', text, { file: 'config/config_validation_ckpt.json' });
 * ```
 */
export function parseConfig(kind: ConfigKind, json: string, options: ParseConfigOptions = {}): ConfigDocument<unknown> {
  const [rules, what, file] = RULES[kind];
  return createDocument(kind, json, options.file ?? file, rules, what, options);
}

/** Edits to apply: JSON pointer to new value; `undefined` removes the member or item. */
export type ConfigEdits = Readonly<Record<string, JsonValue | undefined>>;

/**
 * Applies edits to a configuration document by splicing its text, so every byte outside the edited values
 * is kept; a missing key is inserted after its siblings, formatted like them (global variables of a
 * training configuration go before `"train"`). The result is checked again: an edit may not add a value
 * Clara cannot use (findings the document had before are left as they were).
 *
 * @throws {MmarError} `MMAR_POINTER_NOT_FOUND` when a pointer's parent does not exist; `MMAR_INVALID_CONFIG`
 *   when the edit introduces an error (e.g. a string where a component is expected).
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` for a key that is not a JSON pointer (`epochs` for `/epochs`).
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
      const topLevelInsert =
        config.kind === 'train' && /^\/[^/]+$/.test(pointer) && resolveJsonPointer(config.value, pointer) === undefined;
      text = setJsonValue(text, pointer, value, { file: config.file, ...(topLevelInsert ? { before: 'train' } : {}) });
    }
  }
  const edited = parseConfig(config.kind, text, { file: config.file }) as ConfigDocument<T>;
  const before = new Set(config.findings.filter((f) => f.severity === 'error').map((f) => `${f.pointer}\n${f.message}`));
  const added = edited.findings.filter((f) => f.severity === 'error' && !before.has(`${f.pointer}\n${f.message}`));
  const first = added[0];
  if (first) {
    throw new MmarError('MMAR_INVALID_CONFIG', `${config.file}: the edit makes ${first.pointer || '/'} invalid: ${first.message}`, {
      details: { file: config.file, pointer: first.pointer, issues: added.slice(0, 50) },
    });
  }
  return edited;
}
