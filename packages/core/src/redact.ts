/**
 * Keys whose values are secrets wherever they appear in error details or log fields.
 * Matching is by key name because secrets travel under predictable names (a password, a
 * passphrase, a private key, a token) and a value alone cannot be recognised reliably.
 */
const SECRET_KEY = /pass(word|phrase)?|secret|token|private_?key|authorization|cookie|credential|api_?key/i;

/** The text that replaces a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Returns a deep copy of `value` with the values of secret-looking keys replaced by `[redacted]`.
 *
 * Keys are matched case-insensitively against names such as `password`, `passphrase`, `privateKey`,
 * `token`, `secret`, `authorization` and `cookie`. Cycles are cut, not followed, and binary data is
 * summarised by its length, so the result is always safe to serialise and to log.
 *
 * @example
 * ```ts
 * redact({ username: 'ana', password: 'hunter2' }); // { username: 'ana', password: '[redacted]' }
 * ```
 */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

/** Whether a key name is treated as carrying a secret by {@link redact}. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[ArrayBuffer ${value.byteLength} bytes]`;
  if (value instanceof Error) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) && item !== undefined ? REDACTED : redactValue(item, seen);
  }
  return out;
}
