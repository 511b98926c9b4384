import type { CommandSpec, OptionSpec } from './command.js';
import { EXIT_CODES } from './exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { envName } from './options.js';

/** `medaas --help`: every command with its one-line summary, the global options and the exit codes. */
export function mainHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length)) + 2;
  return [
    `medaas ${version}: the command line of the medaas SDK`,
    '',
    'usage: medaas <command> [arguments] [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.join(' ').padEnd(width)}${c.summary}`),
    '',
    'options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Option values come from flags, then MEDAAS_<OPTION> environment variables (--known-hosts: MEDAAS_KNOWN_HOSTS),',
    "then the config file; `medaas <command> --help` lists a command's options.",
    '',
    exitCodeText(),
  ].join('\n');
}

/** `medaas <group> --help`: the commands of one group. */
export function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length)) + 2;
  return [
    `usage: medaas ${group} <command> [arguments] [options]`,
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.join(' ').padEnd(width)}${c.summary}`),
    '',
    `\`medaas ${group} <command> --help\` for its options.`,
  ].join('\n');
}

/** `medaas <command> --help`: usage, description, options (with their environment variables), examples. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `usage: medaas ${spec.name.join(' ')} ${spec.usage}`.trimEnd(),
    '',
    spec.summary,
    ...(spec.description ? ['', spec.description] : []),
    '',
    'options:',
    ...optionLines(spec.options, true),
    ...optionLines(GLOBAL_OPTIONS),
    ...(spec.examples?.length ? ['', 'examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

/** The documented exit codes, as `--help` prints them. */
export function exitCodeText(): string {
  return [
    'exit codes:',
    `  ${EXIT_CODES.ok}    done`,
    `  ${EXIT_CODES.failed}    failed: stderr says CODE: message (--verbose adds details and the stack)`,
    `  ${EXIT_CODES.usage}    bad command line, option value or config file`,
    `  ${EXIT_CODES.findings}    a check found problems (mmar validate)`,
    `  ${EXIT_CODES.interrupted}  interrupted by Ctrl-C (the call was cancelled and its temporary files removed)`,
    `  ${EXIT_CODES.terminated}  stopped by SIGTERM`,
  ].join('\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>, withEnv = false): string[] {
  return Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` ${option.placeholder ?? 'VALUE'}` : ''}`;
    const env = withEnv && option.env !== false && !option.multiple ? ` [${envName(name)}]` : '';
    const repeat = option.multiple ? ' (repeatable)' : '';
    // Two spaces at least between a long flag and its description, so that they never run together.
    return `  ${flag.padEnd(28)}${flag.length >= 28 ? '  ' : ''}${option.description}${repeat}${env}`;
  });
}
