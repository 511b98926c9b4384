import { MmarError } from '../errors.js';
import { editAt, editBundle, distinctEdits, requirePositive, type BundleEdit } from './bundle-edit.js';
import { resolveBundle, type Bundle, type ResolveBundleOptions } from './bundle.js';
import type { BundleComponent, BundleResolution } from './resolution.js';
import { definitionSite } from './static-value.js';

/** Options of the bundle edits: which run of the bundle to edit. */
export interface BundleEditOptions {
  /** The files of the run, in order. Default: the training configuration (and, for an overlay, its bases). */
  readonly configFiles?: readonly string[];
}

/** The trainers of a run: components whose class ends with `Trainer` (SupervisedTrainer, GanTrainer...). */
export function trainersOf(resolution: BundleResolution): BundleComponent[] {
  return resolution.components.filter((c) => /Trainer$/.test(c.target) && c.disabled !== true);
}

function numberSite(resolution: BundleResolution, id: string, what: string): BundleEdit | undefined {
  const site = definitionSite(resolution, id);
  if (!site) return undefined;
  const value = resolution.raw(site.id);
  if (typeof value !== 'number') {
    throw new MmarError('MMAR_INVALID_CONFIG', `${what} at "${id}" is ${JSON.stringify(value)}, not a number this edit can change`, {
      details: { id, ...(site.location ?? {}) },
    });
  }
  return editAt(site.location, 0, what);
}

function setSetting(
  bundle: Bundle,
  value: number,
  what: string,
  options: ResolveBundleOptions,
  sites: (r: BundleResolution) => string[],
  globals: readonly string[],
): Bundle {
  const resolution = resolveBundle(bundle, options);
  const edits: BundleEdit[] = [];
  for (const id of sites(resolution)) {
    const edit = numberSite(resolution, id, what);
    if (edit) edits.push({ ...edit, value });
  }
  if (edits.length === 0) {
    const global = globals.find((id) => typeof resolution.raw(id) === 'number');
    if (global) edits.push(editAt(resolution.locate(global), value, what));
  }
  if (edits.length === 0) {
    throw new MmarError('MMAR_INVALID_CONFIG', `no ${what} setting found in ${resolution.configFiles.join(' + ') || 'the bundle'}`, {
      details: { what, configFiles: resolution.configFiles },
    });
  }
  return editBundle(bundle, distinctEdits(edits));
}

/**
 * Sets the number of training epochs: every trainer's `max_epochs`, or the value it refers to when it is
 * written `"@epochs"` (in whichever file defines it); a bundle without a trainer setting but with a numeric
 * `epochs` / `max_epochs` / `num_epochs` id gets that one. Only that number's text changes.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `epochs` is not a positive integer; `MMAR_INVALID_CONFIG`
 *   when no epochs setting exists or it is an expression other than a reference.
 * @example
 * ```ts
 * const edited = setBundleEpochs(bundle, 20);
 * edited.files['configs/train.json']; // only the max_epochs line differs
 * ```
 */
export function setBundleEpochs(bundle: Bundle, epochs: number, options: BundleEditOptions = {}): Bundle {
  requirePositive(epochs, 'epochs', true);
  return setSetting(
    bundle,
    epochs,
    'the number of epochs',
    options,
    (r) =>
      trainersOf(r)
        .map((t) => `${t.id}#max_epochs`)
        .filter((id) => r.has(id)),
    ['epochs', 'max_epochs', 'num_epochs', 'n_epochs'],
  );
}

/**
 * Sets the learning rate: every optimizer's `lr` (an optimizer is a component with `lr` whose class is a
 * torch or MONAI optimizer), or the value it refers to (`"@learning_rate"`, `"$@learning_rate"`). The number
 * keeps its spelling style (`1e-4` stays exponential; in YAML it is written so that PyYAML reads a float).
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `learningRate` is not a positive finite number;
 *   `MMAR_INVALID_CONFIG` when no optimizer `lr` exists or it is an expression such as `$@lr * 2`.
 * @example
 * ```ts
 * const edited = setBundleLearningRate(bundle, 1e-5);
 * ```
 */
export function setBundleLearningRate(bundle: Bundle, learningRate: number, options: BundleEditOptions = {}): Bundle {
  requirePositive(learningRate, 'learningRate', false);
  return setSetting(
    bundle,
    learningRate,
    'the learning rate',
    options,
    (r) =>
      r.components
        .filter((c) => /optim|Novograd|Adam|SGD|RMSprop|Adagrad|LBFGS/i.test(c.target) && r.has(`${c.id}#lr`))
        .map((c) => `${c.id}#lr`),
    ['learning_rate', 'lr'],
  );
}
