import { appendJsonPointer } from '@medaas/core';
import { MmarError } from './errors.js';

/** A `{name}` reference found in a configuration. */
export interface VariableReference {
  /** RFC 6901 pointer to the string that holds the reference. */
  readonly pointer: string;
  /** The variable's name, without braces. */
  readonly name: string;
}

/** Names available to `{name}` references, usually `variableScope(globals, environment)`. */
export type VariableScope = Readonly<Record<string, unknown>>;

const REFERENCE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_REFERENCE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const MAX_DEPTH = 8;

/**
 * Every `{name}` reference in a configuration value, with the pointer of the string that holds it.
 * Object keys are not searched: Clara substitutes values only.
 *
 * @example
 * ```ts
 * findVariableReferences({ train: { optimizer: { args: { lr: '{learning_rate}' } } } });
 * // [{ pointer: '/train/optimizer/args/lr', name: 'learning_rate' }]
 * ```
 */
export function findVariableReferences(value: unknown, pointer = ''): VariableReference[] {
  const out: VariableReference[] = [];
  const visit = (item: unknown, at: string): void => {
    if (typeof item === 'string') {
      for (const match of item.matchAll(REFERENCE)) out.push({ pointer: at, name: match[1] as string });
    } else if (Array.isArray(item)) item.forEach((child, index) => visit(child, appendJsonPointer(at, index)));
    else if (typeof item === 'object' && item !== null)
      for (const [key, child] of Object.entries(item)) visit(child, appendJsonPointer(at, key));
  };
  visit(value, pointer);
  return out;
}

/**
 * The scope `{name}` references resolve against: a configuration's global variables, overridden by
 * `environment.json` entries (as Clara does), overridden by command-line style `overrides`.
 *
 * @example
 * ```ts
 * variableScope(globalVariables(train.value), env.value, { epochs: 10 });
 * ```
 */
export function variableScope(globals: VariableScope, environment: VariableScope = {}, overrides: VariableScope = {}): VariableScope {
  return { ...globals, ...environment, ...overrides };
}

/** Options of {@link resolveVariables}. */
export interface ResolveVariablesOptions {
  /** The file name used in error messages. */
  readonly file?: string;
}

/**
 * Substitutes `{name}` references the way Clara does: a string that is exactly one reference becomes the
 * variable's value with its type (`"{learning_rate}"` becomes `0.0002`); references inside a longer string
 * are replaced by the value's text (`"{MMAR_CKPT_DIR}/model.pt"`). Variables may refer to other variables.
 *
 * @throws {MmarError} `MMAR_UNDEFINED_VARIABLE` with `details` `{ file, pointer, name }` for a name that is
 *   not in `variables`, or that refers to itself through other variables.
 * @example
 * ```ts
 * resolveVariables({ lr: '{learning_rate}', dir: '{MMAR_CKPT_DIR}/best' }, { learning_rate: 1e-4, MMAR_CKPT_DIR: 'models' });
 * // { lr: 0.0001, dir: 'models/best' }
 * ```
 */
export function resolveVariables(value: unknown, variables: VariableScope, options: ResolveVariablesOptions = {}): unknown {
  const file = options.file ?? '<config>';
  const lookup = (name: string, pointer: string, depth: number): unknown => {
    if (!Object.hasOwn(variables, name) || depth > MAX_DEPTH) {
      const reason =
        depth > MAX_DEPTH ? 'refers to itself through other variables' : 'is not defined by the global variables or environment.json';
      throw new MmarError('MMAR_UNDEFINED_VARIABLE', `${file}${pointer ? ` at ${pointer}` : ''}: variable {${name}} ${reason}`, {
        details: { file, pointer, name },
      });
    }
    return substitute(variables[name], pointer, depth + 1);
  };
  const substitute = (item: unknown, pointer: string, depth: number): unknown => {
    if (typeof item === 'string') {
      const whole = WHOLE_REFERENCE.exec(item);
      if (whole) return lookup(whole[1] as string, pointer, depth);
      return item.replace(REFERENCE, (_, name: string) => {
        const resolved = lookup(name, pointer, depth);
        return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
      });
    }
    if (Array.isArray(item)) return item.map((child, index) => substitute(child, appendJsonPointer(pointer, index), depth));
    if (typeof item === 'object' && item !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(item)) {
        Object.defineProperty(out, key, {
          value: substitute(child, appendJsonPointer(pointer, key), depth),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return item;
  };
  return substitute(value, '', 0);
}
