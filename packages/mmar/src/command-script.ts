import { MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a word for bash; config paths come from the MMAR, so they are quoted rather than trusted. */
export function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A value of a JSON file of the MMAR at a top-level key, when it parses; undefined otherwise. */
export function jsonEntry(files: MmarFiles, path: string, key: string): unknown {
  const text = mmarText(files, path);
  if (text === undefined) return undefined;
  try {
    const value = toJsonValue(parseJsonSyntax(text));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined; // validateMmar reports the malformed file; scripts fall back to the defaults
  }
}

/** An entry of environment.json, when it is a string. */
export function environmentEntry(files: MmarFiles, key: string): string | undefined {
  const value = jsonEntry(files, MMAR_PATHS.environment, key);
  return typeof value === 'string' ? value : undefined;
}

/** `set_env.sh`, the same in both generations. */
export const SET_ENV = `#!/usr/bin/env bash
# Sourced by the other scripts. MMAR_ROOT is the folder above commands/, wherever the MMAR is mounted;
# custom/ holds Bring-Your-Own-Component modules and /opt/nvidia the Clara Train libraries.
DIR="$( cd "$( dirname "\${BASH_SOURCE[0]}" )" && pwd )"
export MMAR_ROOT="$( cd "\${DIR}/.." && pwd )"
export PYTHONPATH="\${PYTHONPATH:+\${PYTHONPATH}:}/opt/nvidia:\${MMAR_ROOT}/custom"
`;

/** One command script: the launcher words, the flags, and the `--set` settings after them. */
export interface ScriptSpec {
  /** The configuration the script runs (`CONFIG_FILE`). */
  readonly config: string;
  /** The command before the standard arguments, e.g. `python3 -u -m medl.apps.train`. */
  readonly command: readonly string[];
  readonly flags?: readonly string[];
  readonly settings: readonly string[];
}

/**
 * A command script as Clara's MMARs write them: set_env.sh sourced, `CONFIG_FILE` / `ENVIRONMENT_FILE`,
 * `-m "$MMAR_ROOT" -c "$CONFIG_FILE" -e "$ENVIRONMENT_FILE"`, flags, `--set` settings, and the script's
 * own arguments appended as further settings.
 */
export function scriptText(spec: ScriptSpec): string {
  const lines = [...spec.command, '-m "$MMAR_ROOT"', '-c "$CONFIG_FILE"', '-e "$ENVIRONMENT_FILE"', ...(spec.flags ?? [])];
  if (spec.settings.length > 0) lines.push('--set', ...spec.settings);
  lines.push('${additional_options}');
  return `#!/usr/bin/env bash
my_dir="$(dirname "$0")"
. "$my_dir/set_env.sh"

echo "MMAR_ROOT set to $MMAR_ROOT"
# Extra arguments are appended to the settings, e.g. epochs=10
additional_options="$*"

CONFIG_FILE=${shellWord(spec.config)}
ENVIRONMENT_FILE=${shellWord(MMAR_PATHS.environment)}

${lines.join(' \\\n    ')}
`;
}

/** The checked options every generation's scripts are rendered from. */
export interface ResolvedCommandOptions {
  readonly trainConfig: string;
  readonly python: string;
  readonly gpus: number;
  readonly masterPort: number;
  /** `epochs=...` / `learning_rate=...` overrides. */
  readonly overrides: readonly string[];
  readonly checkpoint: string | undefined;
}
