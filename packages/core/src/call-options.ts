import { CoreError } from './errors.js';

/**
 * Options every asynchronous SDK call accepts. `signal` cancels; `timeoutMs` bounds the whole call,
 * including retries. When either fires, the call rejects with the signal's `reason` (for a timeout, a
 * {@link CoreError} with code `CORE_TIMEOUT`), never with a relabelled error.
 */
export interface CallOptions {
  /** Cancels the call; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Upper bound for the whole call in milliseconds. `undefined` or `Infinity` means no limit. */
  readonly timeoutMs?: number | undefined;
}

/**
 * Throws the signal's reason if it has been aborted. Call it before each I/O step, between retries
 * and at every poll.
 *
 * @example
 * ```ts
 * throwIfAborted(options.signal);
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** A signal that combines a caller's signal with a timeout, and the function that releases its timer. */
export interface CallScope {
  /** Aborts when the caller's signal aborts or the timeout expires, whichever comes first. */
  readonly signal: AbortSignal;
  /** Releases the timer and listeners; call it in `finally`. Safe to call more than once. */
  dispose(): void;
}

/**
 * Combines `options.signal` and `options.timeoutMs` into one signal for the duration of a call.
 * The timeout's reason is a `CORE_TIMEOUT` {@link CoreError} naming `operation`.
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` when `timeoutMs` is negative or not a number.
 * @example
 * ```ts
 * const scope = openCallScope('listModels', options);
 * try { return await fetchJson(url, { signal: scope.signal }); } finally { scope.dispose(); }
 * ```
 */
export function openCallScope(operation: string, options: CallOptions = {}): CallScope {
  const { signal, timeoutMs } = options;
  validateTimeout(timeoutMs);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && !controller.signal.aborted) {
    timer = setTimeout(() => {
      controller.abort(
        new CoreError('CORE_TIMEOUT', `${operation} timed out after ${timeoutMs} ms`, {
          details: { operation, timeoutMs },
        }),
      );
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs `fn` with a signal that combines the caller's signal and timeout, releasing the timer after.
 *
 * @throws {CoreError} `CORE_TIMEOUT` when `timeoutMs` expires first (as the signal's reason).
 * @example
 * ```ts
 * const models = await withCallScope('listModels', options, (signal) => get('/v1/models', { signal }));
 * ```
 */
export async function withCallScope<T>(operation: string, options: CallOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const scope = openCallScope(operation, options);
  try {
    throwIfAborted(scope.signal);
    return await raceAbort(fn(scope.signal), scope.signal);
  } finally {
    scope.dispose();
  }
}

/**
 * Settles with `promise`, or rejects with `signal.reason` as soon as the signal aborts, whichever is
 * first. The losing promise's rejection is observed, so it never becomes an unhandled rejection.
 *
 * @example
 * ```ts
 * await raceAbort(server.listening, signal);
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function validateTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs === undefined) return;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new CoreError('CORE_INVALID_ARGUMENT', `timeoutMs must be a non-negative number, got ${String(timeoutMs)}`, {
      details: { timeoutMs },
    });
  }
}
