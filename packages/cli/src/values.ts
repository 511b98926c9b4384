import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { CommandContext } from './command.js';
import { CliError } from './errors.js';

/** An option's string value, or undefined. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** An option's string value, which must be there. */
export function requiredString(context: CommandContext, name: string): string {
  const value = stringOption(context, name);
  if (value === undefined || value === '')
    throw new CliError('CLI_USAGE', `--${name} is required (see --help)`, { details: { option: name } });
  return value;
}

/** An option's values when it may repeat. */
export function listOption(context: CommandContext, name: string): readonly string[] {
  const value = context.options[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** An option's boolean value (false when unset). */
export function flagOption(context: CommandContext, name: string): boolean {
  return context.options[name] === true;
}

/** An option's number, checked: finite, within bounds, an integer when asked. */
export function numberOption(
  context: CommandContext,
  name: string,
  rule: { readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly positive?: boolean } = {},
): number | undefined {
  const text = stringOption(context, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.positive || value > 0);
  if (!ok) {
    const what = [
      rule.integer ? 'an integer' : 'a number',
      rule.positive ? '> 0' : '',
      rule.min !== undefined ? `>= ${rule.min}` : '',
      rule.max !== undefined ? `<= ${rule.max}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    throw new CliError('CLI_USAGE', `--${name} must be ${what}, not "${text}"`, { details: { option: name } });
  }
  return value;
}

/** A voxel index `x,y,z` (non-negative integers). */
export function parsePoint(text: string, what: string): [number, number, number] {
  const parts = text.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 3 || parts.some((part) => part === '') || numbers.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new CliError('CLI_USAGE', `${what} must be a voxel index x,y,z of three non-negative integers, not "${text}"`, {
      details: { value: text },
    });
  }
  return numbers as [number, number, number];
}

/** The path resolved against the command's working folder. */
export function resolvePath(context: CommandContext, path: string): string {
  return isAbsolute(path) ? path : join(context.io.cwd, path);
}

/**
 * An input that must exist, as a file or a folder: checked before any work starts, so a typo is one clear
 * line rather than an error from deep inside a library call.
 *
 * @throws {CliError} `CLI_INPUT_NOT_FOUND`.
 */
export async function existingInput(context: CommandContext, path: string, kind: 'file' | 'folder' | 'any'): Promise<string> {
  const absolute = resolvePath(context, path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info)
    throw new CliError('CLI_INPUT_NOT_FOUND', `${path}: no such ${kind === 'any' ? 'file or folder' : kind}`, {
      details: { path: absolute },
    });
  if (kind === 'file' && !info.isFile())
    throw new CliError('CLI_INPUT_NOT_FOUND', `${path} is not a file`, { details: { path: absolute } });
  if (kind === 'folder' && !info.isDirectory())
    throw new CliError('CLI_INPUT_NOT_FOUND', `${path} is not a folder`, { details: { path: absolute } });
  return absolute;
}

/** A command given as a JSON array of strings (`["monailabel","start_server","--port","{port}"]`). */
export function jsonCommand(text: string, flag: string, example: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new CliError('CLI_USAGE', `${flag} must be a JSON array of strings, e.g. ${example}, not ${text}`, { details: { option: flag } });
  }
  return value as string[];
}
