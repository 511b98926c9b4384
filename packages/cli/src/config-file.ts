import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CliError } from './errors.js';

/**
 * A config file's option values: top-level keys apply to every command that has such an option, a section
 * named after a command (`"dicom convert": { ... }`) to that command only and wins over the top level.
 */
export interface ConfigFile {
  /** Where it was read from, for messages. */
  readonly path: string;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The file that is looked for in the working folder when neither `--config` nor `MEDAAS_CONFIG` names one. */
export const DEFAULT_CONFIG_NAME = 'medaas.config.json';

/**
 * Reads the config file: the one named (`--config`, `MEDAAS_CONFIG`), which must exist, or
 * `./medaas.config.json` when it exists. `commandNames` tells sections (`"dicom convert"`) from shared values.
 *
 * @throws {CliError} `CLI_CONFIG` when a named file is missing, or a file is not a JSON object.
 */
export async function readConfigFile(
  named: string | undefined,
  cwd: string,
  commandNames: ReadonlySet<string>,
): Promise<ConfigFile | undefined> {
  const path = named === undefined ? join(cwd, DEFAULT_CONFIG_NAME) : isAbsolute(named) ? named : join(cwd, named);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('CLI_CONFIG', `cannot read the config file ${path}: ${(error as Error).message}`, {
      details: { path },
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('CLI_CONFIG', `the config file ${path} is not JSON: ${(error as Error).message}`, {
      details: { path },
      cause: error,
    });
  }
  if (!isRecord(value))
    throw new CliError('CLI_CONFIG', `the config file ${path} must hold a JSON object of option values`, { details: { path } });
  const shared: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!commandNames.has(key)) {
      shared[key] = entry;
      continue;
    }
    if (!isRecord(entry))
      throw new CliError('CLI_CONFIG', `"${key}" in ${path} must be an object of that command's option values`, { details: { path, key } });
    sections[key] = entry;
  }
  return { path, shared, sections };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
