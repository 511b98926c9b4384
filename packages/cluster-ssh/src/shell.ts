import { ClusterSshError } from './errors.js';

const BRAND = Symbol.for('@medaas/cluster-ssh/shell-command');

/**
 * A shell command line whose every interpolated value is already quoted. Only {@link sh} and
 * {@link shellCommand} make one, so a `ShellCommand` never carries unquoted user input.
 */
export interface ShellCommand {
  /** The command line, as `sh -c` would receive it. */
  readonly text: string;
  readonly [BRAND]: true;
}

/** What a remote command may be given as: an argv array (each element quoted) or a {@link ShellCommand}. */
export type CommandInput = readonly string[] | ShellCommand;

/** A value {@link sh} accepts in a placeholder: quoted as one word, an array as several, a command as is. */
export type ShellValue = string | number | bigint | ShellCommand | readonly (string | number | bigint)[];

/**
 * Quotes one value as a single POSIX shell word: `'...'` with embedded quotes written `'\''`. Safe for
 * any byte except NUL, which no shell word can hold.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` when the value contains a NUL byte.
 * @example
 * ```ts
 * quoteShell("it's"); // 'it'\''s'
 * ```
 */
export function quoteShell(value: string | number | bigint): string {
  const text = String(value);
  if (text.includes('\0')) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a shell value cannot contain a NUL byte', {
      details: { length: text.length },
    });
  }
  // Plain words stay readable in logs and `ps`; anything else is single-quoted.
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function makeCommand(text: string): ShellCommand {
  return Object.freeze({ text, [BRAND]: true as const });
}

/** Whether `value` is a {@link ShellCommand} made by {@link sh} or {@link shellCommand}. */
export function isShellCommand(value: unknown): value is ShellCommand {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * A tagged template for shell command lines: the literal parts are written as is, every `${value}`
 * is quoted as one word (an array as one word per element; another `sh` command is embedded as is).
 * No path, job name or user value can inject shell syntax.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` when a value contains a NUL byte or is not a string,
 *   number, bigint, array of those or ShellCommand.
 * @example
 * ```ts
 * await session.exec(sh`mkdir -p ${dir} && tail -n 20 ${file} | grep ${pattern}`);
 * ```
 */
export function sh(strings: TemplateStringsArray, ...values: readonly ShellValue[]): ShellCommand {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += renderValue(value) + (strings[index + 1] ?? '');
  });
  return makeCommand(text);
}

function renderValue(value: ShellValue): string {
  if (isShellCommand(value)) return value.text;
  if (Array.isArray(value)) return (value as readonly (string | number | bigint)[]).map((item) => renderScalar(item)).join(' ');
  return renderScalar(value as string | number | bigint);
}

function renderScalar(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return quoteShell(value);
  throw new ClusterSshError('SSH_INVALID_ARGUMENT', `sh\`\` cannot interpolate a value of type ${typeof value}`, {
    details: { type: typeof value },
  });
}

/**
 * Turns an argv array into a {@link ShellCommand} with every element quoted.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for an empty argv or a NUL byte.
 * @example
 * ```ts
 * shellCommand(['ls', '-l', '--', userPath]).text; // ls -l -- '/data/my scans'
 * ```
 */
export function shellCommand(argv: readonly string[]): ShellCommand {
  if (argv.length === 0) throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a command needs at least one argument');
  return makeCommand(argv.map((arg) => quoteShell(arg)).join(' '));
}

/**
 * The command line for a {@link CommandInput}.
 *
 * @throws {ClusterSshError} `SSH_INVALID_ARGUMENT` for an empty argv, a NUL byte or a plain string.
 * @example
 * ```ts
 * toCommandLine(['echo', 'a b']); // echo 'a b'
 * ```
 */
export function toCommandLine(command: CommandInput): string {
  if (isShellCommand(command)) return command.text;
  if (Array.isArray(command)) return shellCommand(command).text;
  // A plain string would be run unquoted: refuse it so that nobody builds command lines by hand.
  throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'a command must be an argv array or an sh`...` command', {
    details: { type: typeof command },
  });
}
