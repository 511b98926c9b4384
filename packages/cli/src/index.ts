/**
 * `medaas`, the command line of the medaas SDK, on its public API only: `medaas dicom convert`, `medaas nifti
 * info|convert`, `medaas server start`, `medaas annotate segment|deepgrow|dextr3d`, `medaas upload`, `medaas
 * dataset split`, `medaas mmar validate|edit`, `medaas train`. Installed, it is the `medaas` bin; this module
 * runs the same command lines from code.
 *
 * @packageDocumentation
 */
export { runCli } from './cli.js';
export type { RunCliOptions } from './cli.js';
export { EXIT_CODES } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { CliError } from './errors.js';
export type { CliErrorCode } from './errors.js';
export type { CliIo } from './command.js';
