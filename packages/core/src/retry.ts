import { throwIfAborted } from './call-options.js';
import { CoreError } from './errors.js';
import { sleep } from './sleep.js';

/** Describes one failed attempt, as given to {@link RetryOptions.shouldRetry} and `onRetry`. */
export interface RetryAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** What the attempt threw. */
  readonly error: unknown;
  /** The delay before the next attempt, in milliseconds. */
  readonly delayMs: number;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Further attempts after the first one. Default 3. */
  readonly retries?: number;
  /** Delay before the first retry in milliseconds. Default 200. */
  readonly minDelayMs?: number;
  /** Upper bound of any delay in milliseconds. Default 10 000. */
  readonly maxDelayMs?: number;
  /** Growth of the delay per retry. Default 2. */
  readonly factor?: number;
  /**
   * Whether to randomise delays ("full jitter": uniformly in [0, delay]) so that many clients that
   * failed together do not retry together. Default true.
   */
  readonly jitter?: boolean;
  /** Decides whether an error is worth another attempt. Default: every error except an abort. */
  readonly shouldRetry?: (attempt: RetryAttempt) => boolean;
  /** Called before each wait, for logging. */
  readonly onRetry?: (attempt: RetryAttempt) => void;
  /** Cancels waiting and further attempts; `retry` then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Source of randomness for jitter, injectable for tests. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Runs `fn` until it succeeds or the retries are used up, waiting with exponential backoff between
 * attempts. An abort is never retried and never relabelled: `retry` rejects with `signal.reason`.
 * When every attempt fails, the last error is rethrown as it was.
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` for negative retries or delays.
 * @example
 * ```ts
 * const models = await retry(() => client.listModels({ signal }), { retries: 2, signal });
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const minDelayMs = options.minDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  for (const [name, value] of Object.entries({ retries, minDelayMs, maxDelayMs, factor })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new CoreError('CORE_INVALID_ARGUMENT', `retry option ${name} must be a non-negative number`, {
        details: { [name]: value },
      });
    }
  }
  const { signal } = options;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt > retries) throw error;
      const ceiling = Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
      const delayMs = options.jitter === false ? ceiling : Math.round(random() * ceiling);
      const info: RetryAttempt = { attempt, error, delayMs };
      if (isAbortError(error) || (options.shouldRetry && !options.shouldRetry(info))) throw error;
      options.onRetry?.(info);
      await sleep(delayMs, { signal });
    }
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
