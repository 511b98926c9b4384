import { redact } from './redact.js';

/**
 * The brand that marks every medaas error. It is a registered symbol, so `isMedaasError` still
 * recognises an error thrown by a second copy of this package (duplicate installs, bundles).
 */
const BRAND: unique symbol = Symbol.for('@medaas/core/error') as never;

/** Options accepted by the {@link MedaasError} constructor. */
export interface MedaasErrorOptions {
  /** Structured context (file, status, job id...). Secret-looking keys are redacted on construction. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The lower-level error that caused this one. */
  readonly cause?: unknown;
}

/**
 * The one error base class of the SDK. Each failure has a literal `code` such as
 * `NIFTI_INVALID_HEADER` or `SSH_HOST_KEY_MISMATCH`; the message says what happened in words and
 * `details` carries the same facts as data. Secrets in `details` are redacted when the error is made,
 * so an error can always be logged.
 *
 * Packages narrow `Code` to their own union of codes and export a subclass, e.g.
 * `class NiftiError extends MedaasError<NiftiErrorCode> {}`.
 *
 * @example
 * ```ts
 * try {
 *   await readNifti(bytes);
 * } catch (error) {
 *   if (isMedaasError(error, 'NIFTI_TRUNCATED')) console.error(error.message, error.details);
 *   else throw error;
 * }
 * ```
 */
export class MedaasError<Code extends string = string> extends Error {
  /** A stable, literal identifier of the failure, suitable for `switch` statements. */
  readonly code: Code;
  /** Structured context, with secret-looking keys redacted. */
  readonly details: Readonly<Record<string, unknown>>;
  declare readonly [BRAND]: true;

  constructor(code: Code, message: string, options: MedaasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze(redact({ ...(options.details ?? {}) }));
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true });
  }

  /** A plain-object form for structured logs: name, code, message, details and the cause's message. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    return { name: this.name, code: this.code, message: this.message, details: this.details, cause };
  }
}

/**
 * Whether `value` is a medaas error, optionally with one of the given codes. Works across duplicate
 * installs of `@medaas/core` because it checks the brand, not the prototype chain.
 *
 * @example
 * ```ts
 * if (isMedaasError(error, 'AIAA_SESSION_EXPIRED')) session = await client.createSession(image);
 * ```
 */
export function isMedaasError<Code extends string = string>(value: unknown, ...codes: readonly Code[]): value is MedaasError<Code> {
  if (typeof value !== 'object' || value === null || (value as { [BRAND]?: unknown })[BRAND] !== true) return false;
  return codes.length === 0 || codes.includes((value as MedaasError).code as Code);
}

/** Codes of the errors that `@medaas/core` itself raises. */
export type CoreErrorCode = 'CORE_TIMEOUT' | 'CORE_INVALID_ARGUMENT';

/**
 * The error `@medaas/core` raises: timeouts and invalid arguments to its helpers.
 *
 * @example
 * ```ts
 * if (isMedaasError(error, 'CORE_TIMEOUT')) console.warn(`gave up after ${error.details.timeoutMs} ms`);
 * ```
 */
export class CoreError extends MedaasError<CoreErrorCode> {}
