import { appendJsonPointer } from '@medaas/core';
import { isVariableReference, type JsonRecord, type ShapeChecker } from './shape.js';

/** The keys every component may carry besides its class: init args and the `disabled` attribute. */
export interface ComponentBase {
  /** Keyword arguments of the class's `__init__`. */
  readonly args?: Readonly<Record<string, unknown>>;
  /** Skip the component; a boolean or a `{variable}` reference such as `"{dont_load_ckpt_model}"`. */
  readonly disabled?: boolean | string;
  /** Other attributes (`rank`, `log_label`, `is_key_metric`, ...) are kept as they are. */
  readonly [attribute: string]: unknown;
}

/** A component Clara ships, named by its class (`"DiceLoss"`, `"monai.transforms.LoadImaged"`). */
export interface NamedComponent extends ComponentBase {
  readonly name: string;
}

/**
 * A Bring Your Own Component: the dotted path of a Python class on the PYTHONPATH (`custom/` of the MMAR,
 * or a library such as `monai.apps.deepgrow`). It may carry a `name` too, as DeepGrow's archives do; the
 * `path` is what Clara imports.
 */
export interface ByocComponent extends ComponentBase {
  readonly path: string;
  readonly name?: string;
}

/** A reference to a component of the `train` section by its name, reused as is (`{"ref": "LoadImaged"}`). */
export interface ComponentReference extends ComponentBase {
  readonly ref: string;
}

/** A component of a Clara workflow: named (built in), brought by the user with `path` (BYOC), or a `ref`. */
export type ComponentConfig = NamedComponent | ByocComponent | ComponentReference;

/** A model loaded from a TorchScript file or a checkpoint rather than built from a class (validation configs). */
export interface SavedModelReference extends ComponentBase {
  readonly ts_path?: string;
  readonly ckpt_path?: string;
}

/** What a `model` entry may be: a component to build, or a saved model to load. */
export type ModelConfig = ComponentConfig | SavedModelReference;

const PYTHON_CLASS_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** Which class keys a component may use. Models may also point at saved weights. */
type ClassKeys = 'component' | 'model';

/**
 * Checks one component: an object with a class (`name`, `path`, or both as DeepGrow's archives write
 * them; a `ref`; for models `ts_path` or `ckpt_path`), an `args` object and a boolean-or-reference
 * `disabled`. Other attributes are the component's own and are kept.
 */
export function checkComponent(check: ShapeChecker, value: unknown, pointer: string, keys: ClassKeys = 'component'): value is JsonRecord {
  if (!check.object(value, pointer)) return false;
  const classKeys = keys === 'model' ? ['name', 'path', 'ref', 'ts_path', 'ckpt_path'] : ['name', 'path', 'ref'];
  // `name` with `path` is one class (the path is imported, the name is how the archive calls it).
  const present = classKeys.filter((key) => Object.hasOwn(value, key) && !(key === 'name' && Object.hasOwn(value, 'path')));
  if (present.length === 0) {
    check.report(
      pointer,
      `a component needs "name" (a built-in class), "path" (a BYOC Python class) or "ref"${keys === 'model' ? ', "ts_path" or "ckpt_path"' : ''}`,
    );
  } else if (present.length > 1) {
    check.report(pointer, `a component has one of ${present.map((k) => `"${k}"`).join(' and ')}, not several`);
  }
  check.field(value, 'name', pointer, (v, p) => check.string(v, p));
  check.field(value, 'path', pointer, (v, p) => {
    if (!check.string(v, p)) return;
    if (!PYTHON_CLASS_PATH.test(v)) check.report(p, `"${v}" is not a dotted Python class path such as "my_module.MyLoss"`);
  });
  check.field(value, 'ref', pointer, (v, p) => check.string(v, p));
  check.field(value, 'ts_path', pointer, (v, p) => check.string(v, p));
  check.field(value, 'ckpt_path', pointer, (v, p) => check.string(v, p));
  check.field(value, 'args', pointer, (v, p) => check.object(v, p));
  check.field(value, 'disabled', pointer, (v, p) => check.booleanOrReference(v, p));
  return true;
}

/** Checks an array of components. */
export function checkComponentList(check: ShapeChecker, value: unknown, pointer: string): void {
  if (!check.array(value, pointer)) return;
  value.forEach((item, index) => checkComponent(check, item, appendJsonPointer(pointer, index)));
}

/** Checks a model entry: one model or a list of alternatives (Clara enables the one not disabled). */
export function checkModel(check: ShapeChecker, value: unknown, pointer: string): void {
  if (Array.isArray(value)) value.forEach((item, index) => checkComponent(check, item, appendJsonPointer(pointer, index), 'model'));
  else checkComponent(check, value, pointer, 'model');
}

/**
 * Whether a component is brought by the user (`path`) rather than named.
 *
 * @example
 * ```ts
 * isByocComponent({ path: 'my_losses.FocalDice', args: {} }); // true
 * ```
 */
export function isByocComponent(component: ModelConfig): component is ByocComponent {
  return typeof component.path === 'string';
}

/**
 * The class a component names: its `path` (what Clara imports, also when a `name` is given too), else its
 * `name`; undefined for references and saved models.
 *
 * @example
 * ```ts
 * componentClass({ path: 'custom_losses.FocalDiceLoss' }); // 'custom_losses.FocalDiceLoss'
 * ```
 */
export function componentClass(component: unknown): string | undefined {
  if (typeof component !== 'object' || component === null) return undefined;
  const { name, path } = component as { name?: unknown; path?: unknown };
  // With both, the path is the class Clara imports.
  if (typeof path === 'string') return path;
  return typeof name === 'string' ? name : undefined;
}

/** Whether a `disabled` attribute is literally true (references are decided by Clara at run time). */
export function isDisabled(component: unknown): boolean {
  return (
    typeof component === 'object' &&
    component !== null &&
    (component as { disabled?: unknown }).disabled === true &&
    !isVariableReference((component as { disabled?: unknown }).disabled)
  );
}
