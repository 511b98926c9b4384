import { ClusterSshError } from './errors.js';

/** How an upload reconnects after a dropped connection: attempts per file, and the first wait (doubled each time). */
export interface ReconnectSettings {
  readonly retries: number;
  readonly delayMs: number;
}

/** The checked modes and reconnect settings of an upload, with their defaults. */
export interface UploadSettings {
  readonly modes: { readonly dir: number; readonly file: number };
  readonly reconnect: ReconnectSettings;
}

/**
 * Checks the upload options that shape what is written and how it is retried, before anything is sent:
 * private folders (0700) and files (0600), 3 reconnects starting after 500 ms by default.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` naming the malformed option.
 */
export function uploadSettings(options: {
  readonly dirMode?: unknown;
  readonly fileMode?: unknown;
  readonly retries?: unknown;
  readonly retryDelayMs?: unknown;
}): UploadSettings {
  return {
    modes: { dir: modeOption('dirMode', options.dirMode, 0o700), file: modeOption('fileMode', options.fileMode, 0o600) },
    reconnect: {
      retries: countOption('retries', options.retries, 3, true),
      delayMs: countOption('retryDelayMs', options.retryDelayMs, 500),
    },
  };
}

function countOption(name: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ClusterSshError(
      'SSH_INVALID_ARGUMENT',
      `${name} must be a non-negative ${integer ? 'integer' : 'number'}, not ${String(value)}`,
      { details: { [name]: value } },
    );
  }
  return value;
}

function modeOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `${name} must be a file mode from 0 to 0o7777, not ${String(value)}`, {
      details: { [name]: value },
    });
  }
  return value;
}
