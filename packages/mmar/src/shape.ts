import { appendJsonPointer } from '@medaas/core';
import { MmarError } from './errors.js';

/**
 * One place where a configuration does not have the expected shape. `error`: a value Clara cannot use
 * (`args` that is not an object, a component without a class). `warning`: a shape this library does not
 * know (a missing section, a layout of another generation); it is kept as it is.
 */
export interface ShapeIssue {
  readonly severity: 'error' | 'warning';
  /** `MMAR_INVALID_CONFIG` for errors, `MMAR_UNKNOWN_SHAPE` for warnings. */
  readonly code: 'MMAR_INVALID_CONFIG' | 'MMAR_UNKNOWN_SHAPE';
  /** RFC 6901 pointer to the offending value (or to the object that lacks a key). */
  readonly pointer: string;
  /** What is wrong, in words, e.g. `expected a number but found a string`. */
  readonly message: string;
}

/** A plain JSON object, as the checks below narrow `unknown` to. */
export type JsonRecord = Readonly<Record<string, unknown>>;

/** A short name of a JSON value's type, for messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Whether `value` is a string that is exactly one `{variable}` reference. */
export function isVariableReference(value: unknown): value is string {
  return typeof value === 'string' && /^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

/** Collects shape issues; every check returns whether the value passed, so callers can descend safely. */
export class ShapeChecker {
  readonly issues: ShapeIssue[] = [];

  /** Records a value Clara cannot use. */
  report(pointer: string, message: string): false {
    this.issues.push({ severity: 'error', code: 'MMAR_INVALID_CONFIG', pointer, message });
    return false;
  }

  /** Records a shape this library does not know; the value is kept as it is. */
  unknown(pointer: string, message: string): void {
    this.issues.push({ severity: 'warning', code: 'MMAR_UNKNOWN_SHAPE', pointer, message });
  }

  object(value: unknown, pointer: string): value is JsonRecord {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true;
    return this.report(pointer, `expected an object but found ${jsonTypeOf(value)}`);
  }

  array(value: unknown, pointer: string): value is readonly unknown[] {
    return Array.isArray(value) || this.report(pointer, `expected an array but found ${jsonTypeOf(value)}`);
  }

  string(value: unknown, pointer: string): value is string {
    if (typeof value !== 'string') return this.report(pointer, `expected a string but found ${jsonTypeOf(value)}`);
    return value.trim() !== '' || this.report(pointer, 'expected a non-empty string');
  }

  /** A number, or a `{variable}` reference that Clara substitutes before use. */
  numberOrReference(value: unknown, pointer: string): boolean {
    if ((typeof value === 'number' && Number.isFinite(value)) || isVariableReference(value)) return true;
    return this.report(pointer, `expected a number or a {variable} reference but found ${jsonTypeOf(value)}`);
  }

  /** A boolean, or a `{variable}` reference (Clara's `"disabled": "{dont_load_ckpt_model}"`). */
  booleanOrReference(value: unknown, pointer: string): boolean {
    if (typeof value === 'boolean' || isVariableReference(value)) return true;
    return this.report(pointer, `expected a boolean or a {variable} reference but found ${jsonTypeOf(value)}`);
  }

  /**
   * Checks `record[key]` when present. An absent key that the configuration's generation usually has
   * (`expected`, the reason in words) is a warning: archives of other generations lay it out otherwise.
   */
  field(record: JsonRecord, key: string, pointer: string, check: (value: unknown, pointer: string) => unknown, expected?: string): void {
    if (Object.hasOwn(record, key)) check(record[key], appendJsonPointer(pointer, key));
    else if (expected !== undefined) this.unknown(pointer, `no "${key}" (${expected}); kept as it is`);
  }

  /** Throws the collected errors as one `MMAR_INVALID_CONFIG` error, if there are any; warnings never throw. */
  throwIfErrors(file: string, what: string): void {
    const errors = this.issues.filter((issue) => issue.severity === 'error');
    const first = errors[0];
    if (!first) return;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new MmarError('MMAR_INVALID_CONFIG', `${file}: invalid ${what} at ${first.pointer || '/'}: ${first.message}${more}`, {
      details: { file, pointer: first.pointer, issues: errors.slice(0, 50) },
    });
  }
}
