import { formatJsonPointer } from '@medaas/core';

// MONAI's configuration syntax: ids are keys joined by `#` (MONAI 1.2 and later also write `::`), a string
// that is exactly `@id` is a reference, a string starting with `$` is a Python expression whose `@id`
// parts are references, and a string starting with `%` is a macro that copies a piece of configuration,
// from another file when it names one (`%configs/train.json#network_def`). `@#x` and `@##x` are relative:
// `x` beside the string, or one level up. These helpers follow MONAI's own regular expressions.

const SEPARATOR = /#|::/;
const REFERENCE = /@\w*(?:(?:#|::)\w*)*/g;
const RELATIVE_PREFIX = /[@%](?:#|::)+/g;
const MACRO_PATH = /^(.*\.(?:json|ya?ml))(?=(?:#|::)|$)/i;

/**
 * The keys of an id (`train#handlers#0` is `['train', 'handlers', '0']`); `''` is the whole configuration.
 *
 * @example
 * ```ts
 * splitBundleId('train::dataset'); // ['train', 'dataset']
 * ```
 */
export function splitBundleId(id: string): string[] {
  return id === '' ? [] : id.split(SEPARATOR);
}

/**
 * An id from keys, written with `#`.
 *
 * @example
 * ```ts
 * joinBundleId(['train', 'handlers', 0]); // 'train#handlers#0'
 * ```
 */
export function joinBundleId(segments: readonly (string | number)[]): string {
  return segments.map(String).join('#');
}

/** The id of a child: `parent#key`, or `key` at the top. */
export function childId(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}#${key}`;
}

/** The JSON pointer of an id inside one file whose keys nest as the id says. */
export function idPointer(id: string): string {
  return formatJsonPointer(splitBundleId(id));
}

/** The ids a string refers to: the whole string for `@id`, every `@id` of a `$` expression, none otherwise. */
export function referencedIds(value: string): string[] {
  if (value.startsWith('$')) {
    return [...value.matchAll(REFERENCE)]
      .map((m) => m[0].slice(1))
      .filter((id) => id !== '')
      .map(normalizeId);
  }
  if (value.startsWith('@')) {
    const match = /^@\w*(?:(?:#|::)\w*)*$/.exec(value);
    return match ? [normalizeId(value.slice(1))] : [];
  }
  return [];
}

/** Whether a string is a reference as a whole (`@network_def`), which MONAI replaces by the referenced object. */
export function isWholeReference(value: string): boolean {
  return /^@\w*(?:(?:#|::)\w*)*$/.test(value) && value.length > 1;
}

/** An id written with `#` throughout. */
export function normalizeId(id: string): string {
  return id.replaceAll('::', '#');
}

/**
 * Rewrites relative ids (`@#x`, `@##x`, `%#x`) of a string found at `id` into absolute ones, as MONAI does
 * before anything else; undefined when one climbs above the top of the configuration.
 */
export function absolutizeIds(value: string, id: string): string | undefined {
  if (!/[@%](?:#|::)/.test(value)) return value;
  const current = splitBundleId(id);
  const prefixes = [...new Set(value.match(RELATIVE_PREFIX) ?? [])].sort((a, b) => b.length - a.length);
  let out = value;
  for (const prefix of prefixes) {
    const symbol = prefix[0] as string;
    const levels = (prefix.slice(1).match(/#|::/g) ?? []).length;
    if (levels > current.length) return undefined;
    const base = levels === current.length ? '' : `${current.slice(0, current.length - levels).join('#')}#`;
    out = out.replaceAll(prefix, symbol + base);
  }
  return out;
}

/** What a macro copies: a path when it names a file (`configs/train.json`), and the id inside. */
export interface MacroTarget {
  readonly path?: string;
  readonly id: string;
}

/**
 * Splits the body of a macro (without `%`) into a file path and an id, as MONAI's `split_path_id`.
 *
 * @example
 * ```ts
 * splitMacro('configs/train.json#network_def'); // { path: 'configs/train.json', id: 'network_def' }
 * ```
 */
export function splitMacro(body: string): MacroTarget {
  const match = MACRO_PATH.exec(body);
  if (!match?.[1]) return { id: normalizeId(body) };
  const rest = body.slice(match[1].length).replace(/^(?:#|::)/, '');
  return { path: match[1], id: normalizeId(rest) };
}
