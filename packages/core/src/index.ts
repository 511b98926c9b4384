/**
 * The shared kernel of the medaas SDK: one error base class with literal codes, call options with
 * cancellation and timeouts, retry and sleep that honour a signal, progress and logger types, and RFC 6901 JSON pointers.
 *
 * @packageDocumentation
 */
export { MedaasError, CoreError, isMedaasError } from './errors.js';
export type { MedaasErrorOptions, CoreErrorCode } from './errors.js';
export { redact, isSecretKey, REDACTED } from './redact.js';
export { throwIfAborted, openCallScope, withCallScope, raceAbort } from './call-options.js';
export type { CallOptions, CallScope } from './call-options.js';
export { sleep } from './sleep.js';
export type { SleepOptions } from './sleep.js';
export { retry } from './retry.js';
export type { RetryOptions, RetryAttempt } from './retry.js';
export { createProgressReporter } from './progress.js';
export type { Progress, ProgressCallback, ProgressReporter, ProgressReporterOptions } from './progress.js';
export {
  escapeJsonPointerToken,
  unescapeJsonPointerToken,
  formatJsonPointer,
  parseJsonPointer,
  appendJsonPointer,
  parentJsonPointer,
  jsonPointerIndex,
  resolveJsonPointer,
} from './json-pointer.js';
export type { JsonPointerToken } from './json-pointer.js';
export { silentLogger, redactingLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
