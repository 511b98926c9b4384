import type { MmarGeneration } from './generation.js';
import { type JsonRecord, type ShapeChecker } from './shape.js';
import { checkComponentKeys } from './train-rules.js';

/** What each generation's evaluation pipeline is built from; an absent one is a warning. */
const EXPECTED: Readonly<Record<MmarGeneration, readonly string[]>> = {
  clara4: ['pre_transforms', 'dataset', 'dataloader', 'inferer', 'evaluator'],
  clara3: ['pre_transforms', 'inferer'],
  byot: [],
  unknown: [],
};

/**
 * The shape rules shared by the `validate` section of a training configuration and the validation /
 * inference configurations: every known component key is checked where present; the keys the
 * generation's pipeline is usually built from are expected (a warning when absent).
 */
export function checkEvaluationBody(check: ShapeChecker, value: JsonRecord, pointer: string, generation: MmarGeneration): void {
  checkComponentKeys(check, value, pointer);
  for (const key of EXPECTED[generation]) {
    if (!Object.hasOwn(value, key))
      check.unknown(
        pointer,
        `no "${key}" (${generation === 'clara4' ? 'Clara 4' : 'Clara 3'} evaluation pipelines have it); kept as it is`,
      );
  }
}
