// Plain JSON-compatible values (what a configuration file holds) copied, compared and changed without
// touching the originals. Keys such as `__proto__` stay own properties, never prototypes.

/** Sets an own enumerable property, even for keys such as `__proto__`. */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether a value is a plain object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON-compatible value; shared sub-values become separate copies. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) defineKey(out, key, cloneJson(item));
    return out as T;
  }
  return value;
}

/** Deep equality of JSON-compatible values (`NaN` equals `NaN`, key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/**
 * A copy of `root` with the value at `segments` replaced (or removed, for `undefined`); a missing last
 * segment is added. The copy shares every untouched sub-value with `root`.
 */
export function withValueAt(root: unknown, segments: readonly string[], value: unknown): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  if (Array.isArray(root)) {
    const copy = [...root];
    const index = head === '-' ? copy.length : Number(head);
    if (value === undefined && rest.length === 0) copy.splice(index, 1);
    else copy[index] = withValueAt(copy[index], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  if (isPlainObject(root)) for (const [key, item] of Object.entries(root)) defineKey(copy, key, item);
  if (value === undefined && rest.length === 0) delete copy[head];
  else defineKey(copy, head, withValueAt(copy[head], rest, value));
  return copy;
}

/** The value at a path of keys and indices, or undefined. */
export function valueAtPath(root: unknown, segments: readonly string[]): unknown {
  let node: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(node)) node = /^(?:0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
    else if (isPlainObject(node)) node = Object.hasOwn(node, segment) ? node[segment] : undefined;
    else return undefined;
  }
  return node;
}
