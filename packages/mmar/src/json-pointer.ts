import type { JsonMember, JsonNode } from './json-syntax.js';

/**
 * Builds an RFC 6901 JSON pointer from path segments, escaping `~` and `/`.
 *
 * @example
 * ```ts
 * jsonPointer(['train', 'model', 'args', 'out_channels']); // '/train/model/args/out_channels'
 * ```
 */
export function jsonPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/**
 * Splits an RFC 6901 JSON pointer into its unescaped segments; `''` is the whole document.
 *
 * @example
 * ```ts
 * parseJsonPointer('/a~1b/0'); // ['a/b', '0']
 * ```
 */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return [pointer];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The last member with `key` (JSON readers keep the last of duplicate keys). */
export function findMember(members: readonly JsonMember[], key: string): JsonMember | undefined {
  for (let i = members.length - 1; i >= 0; i--) {
    const member = members[i];
    if (member?.key === key) return member;
  }
  return undefined;
}

/** The array index a pointer segment names, or undefined when it is not a canonical index. */
export function arrayIndex(segment: string): number | undefined {
  return /^(?:0|[1-9]\d*)$/.test(segment) ? Number(segment) : undefined;
}

/**
 * The syntax node a JSON pointer addresses, or undefined when nothing is there.
 *
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
      const index = arrayIndex(segment);
      node = index === undefined ? undefined : node.items[index];
    } else return undefined;
  }
  return node;
}
