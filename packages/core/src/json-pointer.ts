import { CoreError } from './errors.js';

// RFC 6901 JSON pointers: every package that reports where a value is (configuration findings, data list
// errors, edits) names it the same way, so a pointer from one package can be handed to another.

/** One reference token of a JSON pointer: an object key, or an array index. */
export type JsonPointerToken = string | number;

/**
 * Escapes one reference token: `~` becomes `~0` and `/` becomes `~1`, in that order, as RFC 6901 says.
 *
 * @example
 * ```ts
 * escapeJsonPointerToken('a/b~c'); // 'a~1b~0c'
 * ```
 */
export function escapeJsonPointerToken(token: JsonPointerToken): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Unescapes one reference token (`~1` to `/`, then `~0` to `~`).
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` for a `~` that is not followed by `0` or `1`.
 * @example
 * ```ts
 * unescapeJsonPointerToken('a~1b~0c'); // 'a/b~c'
 * ```
 */
export function unescapeJsonPointerToken(token: string): string {
  if (/~(?![01])/.test(token)) {
    throw new CoreError('CORE_INVALID_ARGUMENT', `"${token}" is not a JSON pointer token: "~" must be followed by 0 or 1`, {
      details: { token },
    });
  }
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Builds a JSON pointer from its tokens; no tokens is `''`, the whole document.
 *
 * @example
 * ```ts
 * formatJsonPointer(['train', 'model', 'args', 'out_channels']); // '/train/model/args/out_channels'
 * formatJsonPointer(['training', 3, 'image']); // '/training/3/image'
 * ```
 */
export function formatJsonPointer(tokens: readonly JsonPointerToken[]): string {
  return tokens.map((token) => `/${escapeJsonPointerToken(token)}`).join('');
}

/**
 * Splits a JSON pointer into its unescaped tokens; `''` is the whole document and gives `[]`.
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` for text that is not a JSON pointer: a non-empty pointer
 *   that does not start with `/` (write `/epochs`, not `epochs`), or a bad `~` escape.
 * @example
 * ```ts
 * parseJsonPointer('/a~1b/0'); // ['a/b', '0']
 * ```
 */
export function parseJsonPointer(pointer: string): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
    throw new CoreError(
      'CORE_INVALID_ARGUMENT',
      `${JSON.stringify(pointer)} is not a JSON pointer: one is '' (the whole document) or starts with "/"`,
      { details: { pointer } },
    );
  }
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(unescapeJsonPointerToken);
}

/**
 * The pointer of a value below the one `pointer` names.
 *
 * @example
 * ```ts
 * appendJsonPointer('/training', 0, 'image'); // '/training/0/image'
 * ```
 */
export function appendJsonPointer(pointer: string, ...tokens: readonly JsonPointerToken[]): string {
  return pointer + formatJsonPointer(tokens);
}

/**
 * The pointer one level up; the whole document (`''`) is its own parent.
 *
 * @example
 * ```ts
 * parentJsonPointer('/train/epochs'); // '/train'
 * parentJsonPointer('/train'); // ''
 * ```
 */
export function parentJsonPointer(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}

/**
 * The array index a token names, or undefined when it is not one: RFC 6901 allows only `0` and decimal
 * numbers without leading zeros (`-`, past the end, is left to the caller).
 *
 * @example
 * ```ts
 * jsonPointerIndex('12'); // 12
 * jsonPointerIndex('012'); // undefined
 * ```
 */
export function jsonPointerIndex(token: string): number | undefined {
  return /^(?:0|[1-9]\d*)$/.test(token) ? Number(token) : undefined;
}

/**
 * The value a JSON pointer names inside a parsed JSON value, or undefined when nothing is there. Only own
 * keys of objects and indices of arrays are followed (never `length` or inherited properties).
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` when `pointer` is not a JSON pointer (see {@link parseJsonPointer}).
 * @example
 * ```ts
 * resolveJsonPointer({ training: [{ image: 'a.nii.gz' }] }, '/training/0/image'); // 'a.nii.gz'
 * ```
 */
export function resolveJsonPointer(value: unknown, pointer: string): unknown {
  let current: unknown = value;
  for (const token of parseJsonPointer(pointer)) {
    if (Array.isArray(current)) {
      const index = jsonPointerIndex(token);
      current = index === undefined ? undefined : (current as unknown[])[index];
    } else if (typeof current === 'object' && current !== null) {
      current = Object.hasOwn(current, token) ? (current as Record<string, unknown>)[token] : undefined;
    } else return undefined;
  }
  return current;
}
