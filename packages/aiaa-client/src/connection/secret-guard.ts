/**
 * Scrubbing at the edge of a client: every error a client's methods raise, including those its protocol
 * code builds from a reply after the exchange itself succeeded (a content type, a field of a JSON reply),
 * is scrubbed of the client's secrets before the caller sees it.
 */

/** Scrubs one error in place and returns it (see `scrubError`). */
export type ErrorScrub = <T>(error: T) => T;

const scrubs = new WeakMap<object, ErrorScrub>();

/**
 * Wraps every method of `target` (its own enumerable function properties) so that what they throw or
 * reject with goes through `scrub`, and remembers `scrub` for {@link scrubOf}. Returns `target`.
 */
export function guardSecrets<T extends object>(target: T, scrub: ErrorScrub): T {
  const record = target as Record<string | symbol, unknown>;
  for (const key of Reflect.ownKeys(target)) {
    const method = record[key];
    if (typeof method !== 'function') continue;
    record[key] = function guarded(this: unknown, ...args: unknown[]): unknown {
      let result: unknown;
      try {
        result = (method as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        throw scrub(error);
      }
      return isPromise(result) ? result.catch((error: unknown) => Promise.reject(scrub(error))) : result;
    };
  }
  scrubs.set(target, scrub);
  return target;
}

/** The scrub a client was guarded with, for layers built on a client (the interactive interface). */
export function scrubOf(target: object): ErrorScrub | undefined {
  return scrubs.get(target);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function' && typeof (value as { catch?: unknown }).catch === 'function';
}
