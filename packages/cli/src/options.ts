import { parseArgs } from 'node:util';
import type { CommandSpec, OptionSpec, OptionValues } from './command.js';
import type { ConfigFile } from './config-file.js';
import { CliError } from './errors.js';
import { GLOBAL_OPTIONS } from './global-options.js';

/** A command line split into positionals and option values (flags > environment > config file). */
export interface ParsedCommandLine {
  readonly args: readonly string[];
  readonly options: OptionValues;
}

/** Splits `argv` (the words after the command's name) by the command's options and the global ones, strictly. */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedCommandLine {
  const all = allOptions(spec);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(all).map(([name, option]) => [
          name,
          { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short ? { short: option.short } : {}) },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs' messages name the flag and say what is wrong; its hint about `--` is for another audience.
    const message = (error as Error).message.replace(/\s*To specify a positional argument.*$/s, '');
    throw new CliError('CLI_USAGE', `${message.replace(/\.$/, '')} (see medaas ${spec.name.join(' ')} --help)`, { cause: error });
  }
  return { args: parsed.positionals, options: parsed.values as OptionValues };
}

/**
 * Fills the options the flags left unset: from `MEDAAS_<NAME>` environment variables (`--known-hosts` from
 * `MEDAAS_KNOWN_HOSTS`; booleans `1`/`true`/`yes` or `0`/`false`/`no`), then from the config file.
 *
 * @throws {CliError} `CLI_USAGE` for an environment value of the wrong form, `CLI_CONFIG` for a config value of
 *   the wrong type or a key no option of the command has in the command's own section.
 */
export function mergeOptions(
  spec: CommandSpec,
  flags: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
  config: ConfigFile | undefined,
): OptionValues {
  const all = allOptions(spec);
  const section = config?.sections[spec.name.join(' ')] ?? {};
  for (const key of Object.keys(section)) {
    if (!(key in all))
      throw new CliError(
        'CLI_CONFIG',
        `"${spec.name.join(' ')}" in ${config!.path} sets "${key}", which is not an option of that command`,
        { details: { path: config!.path, key } },
      );
  }
  const merged: Record<string, string | boolean | readonly string[] | undefined> = { ...flags };
  for (const [name, option] of Object.entries(all)) {
    if (merged[name] !== undefined || name === 'help' || name === 'config') continue;
    const fromEnv = option.env === false || option.multiple ? undefined : env[envName(name)];
    if (fromEnv !== undefined && fromEnv !== '') {
      merged[name] = option.type === 'boolean' ? envBoolean(name, fromEnv) : fromEnv;
      continue;
    }
    const fromConfig = name in section ? section[name] : config?.shared[name];
    if (fromConfig !== undefined) merged[name] = configValue(name, option, fromConfig, config!.path);
  }
  return merged;
}

/** `--known-hosts` → `MEDAAS_KNOWN_HOSTS`. */
export function envName(option: string): string {
  return `MEDAAS_${option.replace(/-/g, '_').toUpperCase()}`;
}

/** The command's options and the global ones. */
export function allOptions(spec: CommandSpec): Readonly<Record<string, OptionSpec>> {
  return { ...spec.options, ...GLOBAL_OPTIONS };
}

function envBoolean(name: string, value: string): boolean {
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new CliError('CLI_USAGE', `${envName(name)} must be 1, true, yes, 0, false or no, not "${value}"`, {
    details: { variable: envName(name) },
  });
}

function configValue(name: string, option: OptionSpec, value: unknown, path: string): string | boolean | readonly string[] {
  const wrong = (what: string): CliError =>
    new CliError('CLI_CONFIG', `"${name}" in ${path} must be ${what}`, { details: { path, key: name } });
  if (option.type === 'boolean') {
    if (typeof value !== 'boolean') throw wrong('true or false');
    return value;
  }
  const scalar = (item: unknown): string => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' && Number.isFinite(item)) return String(item);
    throw wrong(option.multiple ? 'a list of strings or numbers' : 'a string or a number');
  };
  if (option.multiple) return Array.isArray(value) ? value.map(scalar) : [scalar(value)];
  return scalar(value);
}
