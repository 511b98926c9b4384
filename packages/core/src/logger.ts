import { redact } from './redact.js';

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger shape every package accepts. It matches pino, bunyan and `console` closely enough that
 * an adapter is one line. The SDK logs nothing unless a logger is given.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default of every package. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/**
 * Wraps a logger so that secret-looking fields (passwords, passphrases, tokens, private keys) are
 * replaced by `[redacted]` before they reach it. Every package wraps the caller's logger this way.
 *
 * @example
 * ```ts
 * const log = redactingLogger(console);
 * log.info('connecting', { host, password }); // password is logged as [redacted]
 * ```
 */
export function redactingLogger(logger: Logger | undefined): Logger {
  if (!logger) return silentLogger;
  const wrap =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      if (fields === undefined) logger[level](message);
      else logger[level](message, redact(fields));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
