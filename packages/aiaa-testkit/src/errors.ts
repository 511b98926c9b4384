import { MedaasError } from '@medaas/core';

/**
 * Failures of `@medaas/aiaa-testkit` itself (bad requests are answered with 4xx, never thrown):
 * - `TESTKIT_INVALID_OPTIONS`: a bad option of `startTestServer` (port, host, model list, limits).
 * - `TESTKIT_LISTEN`: the server could not listen (port in use, address not local).
 * - `TESTKIT_INVALID_MODEL`: model data that is not a medaas testkit model (`parseWindowModel`).
 * - `TESTKIT_INVALID_TRAINING_DATA`: training pairs `fitWindowModel` cannot learn from (none, or sizes differ).
 * - `TESTKIT_TASK_FAILED`: a MONAI Label background task (train, scoring, batch inference) that cannot run; the
 *   server prints its message as the task's `ERROR:` line, as MONAI Label does.
 */
export type TestkitErrorCode =
  'TESTKIT_INVALID_OPTIONS' | 'TESTKIT_LISTEN' | 'TESTKIT_INVALID_MODEL' | 'TESTKIT_INVALID_TRAINING_DATA' | 'TESTKIT_TASK_FAILED';

/**
 * The error `startTestServer` rejects with, and `parseWindowModel` and `fitWindowModel` throw.
 *
 * @example
 * ```ts
 * try { await startTestServer({ port: 5000 }); } catch (e) { if (isMedaasError(e, 'TESTKIT_LISTEN')) console.error(e.message); }
 * ```
 */
export class TestkitError extends MedaasError<TestkitErrorCode> {}

/**
 * A bad request or a limit reached: answered with `status`, the face's error body (`{ "error": message }` on
 * AIAA, `{ "detail": message }` on MONAI Label) and `headers` (`Retry-After` on a 503).
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}
