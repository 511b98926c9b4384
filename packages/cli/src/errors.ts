import { MedaasError } from '@medaas/core';

/**
 * Codes of the errors the command line itself raises; every other failure keeps the code of the SDK package
 * it came from (`DICOM_NO_IMAGES`, `SSH_HOST_KEY_MISMATCH`...).
 */
export type CliErrorCode =
  /** A bad flag, a missing argument or a value of the wrong form: exit code 2. */
  | 'CLI_USAGE'
  /** The config file cannot be read, is not JSON, or names an option no command has. */
  | 'CLI_CONFIG'
  /** An input file or folder named on the command line does not exist or cannot be read. */
  | 'CLI_INPUT_NOT_FOUND'
  /** The check ran and found problems (`medaas mmar validate` with errors): exit code 3. */
  | 'CLI_FINDINGS'
  /** A batch job the command ran (`medaas train`) failed; the message gives the reason read from its log. */
  | 'CLI_JOB_FAILED'
  /** A server's reply is not what the call needs, e.g. a mask that is not on the image's grid. */
  | 'CLI_SERVER_REPLY'
  /** Ctrl-C (SIGINT) or SIGTERM stopped the command: exit code 130 or 143. */
  | 'CLI_INTERRUPTED'
  /** A failure that is not a medaas error: a defect, reported with `--verbose` for its stack. */
  | 'CLI_INTERNAL';

/** The error the `medaas` command line raises for its own failures. */
export class CliError extends MedaasError<CliErrorCode> {}
