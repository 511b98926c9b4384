/** Small readers of JSON replies: MONAI Label's replies are untyped dictionaries, read field by field. */

/** The value as a plain object, or `undefined` for arrays, `null` and primitives. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value when it is a string, else the fallback. */
export function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

/** The value when it is a finite number, else the fallback. */
export function numberOr<T extends number | undefined>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
