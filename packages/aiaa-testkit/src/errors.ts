import { MedaasError } from '@medaas/core';

/**
 * Failures of `@medaas/aiaa-testkit` itself (bad requests are answered with 4xx, never thrown):
 * - `TESTKIT_INVALID_OPTIONS`: a bad option of `startTestServer` (port, host, model list, limits).
 * - `TESTKIT_LISTEN`: the server could not listen (port in use, address not local).
 */
export type TestkitErrorCode = 'TESTKIT_INVALID_OPTIONS' | 'TESTKIT_LISTEN';

/**
 * The error `startTestServer` rejects with.
 *
 * @example
 * ```ts
 * try { await startTestServer({ port: 5000 }); } catch (e) { if (isMedaasError(e, 'TESTKIT_LISTEN')) console.error(e.message); }
 * ```
 */
export class TestkitError extends MedaasError<TestkitErrorCode> {}

/** A bad request: answered with `status` and `{ "error": message }`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
