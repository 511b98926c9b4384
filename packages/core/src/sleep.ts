import { throwIfAborted } from './call-options.js';
import { CoreError } from './errors.js';

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Cancels the wait; `sleep` then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as the signal aborts.
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` for a negative or non-numeric delay.
 * @example
 * ```ts
 * await sleep(500, { signal });
 * ```
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const { signal } = options;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    return Promise.reject(
      new CoreError('CORE_INVALID_ARGUMENT', `sleep needs a non-negative delay, got ${String(ms)}`, { details: { ms } }),
    );
  }
  try {
    throwIfAborted(signal);
  } catch (reason) {
    return Promise.reject(reason);
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
