import { resolveJsonPointer } from '@medaas/core';
import type { ConfigDocument } from './config-document.js';
import { editConfig } from './config-edit.js';
import type { ConfigTrain } from './config-train.js';
import { MmarError } from './errors.js';
import type { JsonValue } from './json-edit.js';
import { isVariableReference } from './shape.js';

function requirePositive(value: number, what: string, integer: boolean): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${what} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`, {
      details: { [what]: value },
    });
  }
}

/** Where a setting may be written: a global variable and the component arguments that may hold it. */
interface SettingSites {
  /** The global variable both generations read (`epochs`, `learning_rate`). */
  readonly global: string;
  /** Component arguments that hold the setting, as a number or a `{variable}` reference. */
  readonly literals: readonly string[];
  readonly what: string;
}

const EPOCH_SITES: SettingSites = {
  global: 'epochs',
  // Clara 4's SupervisedTrainer takes max_epochs; trainers of the user's own (BYOT, nnU-Net) name it otherwise.
  literals: ['max_epochs', 'num_epochs', 'epochs', 'max_num_epochs', 'n_epochs'].map((key) => `/train/trainer/args/${key}`),
  what: 'the number of epochs',
};

const LEARNING_RATE_SITES: SettingSites = {
  global: 'learning_rate',
  literals: [
    ...['lr', 'learning_rate'].map((key) => `/train/optimizer/args/${key}`),
    ...['lr', 'learning_rate', 'initial_lr'].map((key) => `/train/trainer/args/${key}`),
  ],
  what: 'the learning rate',
};

/**
 * Sets a setting wherever this configuration keeps it: each component argument written as a number is
 * replaced, one written as `"{name}"` has its global variable set instead, and the global itself is set
 * when present. With no such place, Clara 3 and 4 still read the global (`--set epochs=...` works the
 * same way), so it is added; a trainer of the user's own gets no guess.
 */
function setSetting(config: ConfigDocument<ConfigTrain>, sites: SettingSites, value: number): ConfigDocument<ConfigTrain> {
  const edits: Record<string, JsonValue> = {};
  for (const pointer of sites.literals) {
    const literal = resolveJsonPointer(config.value, pointer);
    if (isVariableReference(literal)) edits[`/${literal.slice(1, -1)}`] = value;
    else if (typeof literal === 'number') edits[pointer] = value;
  }
  if (Object.hasOwn(config.value, sites.global)) edits[`/${sites.global}`] = value;
  if (Object.keys(edits).length === 0) {
    if (config.generation !== 'clara3' && config.generation !== 'clara4') {
      throw new MmarError(
        'MMAR_NO_EDIT_SITE',
        `${config.file}: no global "${sites.global}" and no trainer or optimizer argument holds ${sites.what}`,
        {
          details: { file: config.file, generation: config.generation, looked: [`/${sites.global}`, ...sites.literals] },
        },
      );
    }
    edits[`/${sites.global}`] = value;
  }
  return editConfig(config, edits);
}

/**
 * Sets the number of training epochs of a training configuration of any generation: the `epochs` global
 * variable, the trainer's `max_epochs` (Clara 4) or its own epoch argument (BYOT, nnU-Net-style) when
 * written as a number, or the variable it refers to. Nothing else changes.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `epochs` is not a positive integer; `MMAR_NO_EDIT_SITE`
 *   for a trainer of the user's own that has no epoch setting.
 * @example
 * ```ts
 * const edited = setEpochs(parseConfigTrain(text), 300);
 * ```
 */
export function setEpochs(config: ConfigDocument<ConfigTrain>, epochs: number): ConfigDocument<ConfigTrain> {
  requirePositive(epochs, 'epochs', true);
  return setSetting(config, EPOCH_SITES, epochs);
}

/**
 * Sets the learning rate of a training configuration of any generation: the `learning_rate` global
 * variable, and the optimizer's (`lr`) or the trainer's (`lr`, `initial_lr`) argument when written as a
 * number, or the variable it refers to. The number keeps the original spelling style (`1e-4` stays
 * exponential).
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `learningRate` is not a positive finite number;
 *   `MMAR_NO_EDIT_SITE` for a trainer of the user's own that has no learning-rate setting.
 * @example
 * ```ts
 * const edited = setLearningRate(config, 1e-5);
 * ```
 */
export function setLearningRate(config: ConfigDocument<ConfigTrain>, learningRate: number): ConfigDocument<ConfigTrain> {
  requirePositive(learningRate, 'learningRate', false);
  return setSetting(config, LEARNING_RATE_SITES, learningRate);
}
