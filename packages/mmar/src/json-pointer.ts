import { formatJsonPointer, jsonPointerIndex, parseJsonPointer } from '@medaas/core';
import type { JsonMember, JsonNode } from './json-syntax.js';

// Pointers themselves (format, parse, escape, resolve) live in @medaas/core; what is here walks the
// syntax tree of a JSON text, which only this package has.

export { parseJsonPointer } from '@medaas/core';

/**
 * Builds an RFC 6901 JSON pointer from path segments, escaping `~` and `/`.
 *
 * @deprecated Use `formatJsonPointer` of `@medaas/core`, which this is.
 * @example
 * ```ts
 * jsonPointer(['train', 'model', 'args', 'out_channels']); // '/train/model/args/out_channels'
 * ```
 */
export const jsonPointer: (segments: readonly (string | number)[]) => string = formatJsonPointer;

/** The last member with `key` (JSON readers keep the last of duplicate keys). */
export function findMember(members: readonly JsonMember[], key: string): JsonMember | undefined {
  for (let i = members.length - 1; i >= 0; i--) {
    const member = members[i];
    if (member?.key === key) return member;
  }
  return undefined;
}

/**
 * The syntax node a JSON pointer addresses, or undefined when nothing is there.
 *
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` when `pointer` is not a JSON pointer (`''` or starting with `/`).
 * @example
 * ```ts
 * nodeAt(parseJsonSyntax('{"a": [true]}'), '/a/0')?.kind; // 'boolean'
 * ```
 */
export function nodeAt(root: JsonNode, pointer: string): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const segment of parseJsonPointer(pointer)) {
    if (node === undefined) return undefined;
    if (node.kind === 'object') node = findMember(node.members, segment)?.value;
    else if (node.kind === 'array') {
      const index = jsonPointerIndex(segment);
      node = index === undefined ? undefined : node.items[index];
    } else return undefined;
  }
  return node;
}
