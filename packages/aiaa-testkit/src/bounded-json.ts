/**
 * JSON from clients, bounded: its size before parsing, and its nesting after (iteratively: a value nested
 * 100 000 deep would overflow the stack of every recursive walk that follows, `JSON.stringify` included).
 */

/** Why a JSON text was refused: too large (a 413), not JSON, or nested too deep (each face's own status). */
export interface JsonRefusal {
  readonly kind: 'large' | 'malformed' | 'deep';
  readonly message: string;
}

/**
 * Parses `text` when it is at most `maxBytes` long and nested at most `maxDepth` deep; otherwise returns
 * why not. `what` names the value in messages.
 */
export function parseBoundedJson(
  text: string | Buffer,
  what: string,
  maxBytes: number,
  maxDepth: number,
): { readonly value: unknown } | { readonly refused: JsonRefusal } {
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (length > maxBytes)
    return {
      refused: {
        kind: 'large',
        message: `${what} has ${length} bytes, more than the ${maxBytes} this server reads (limits.maxParamsBytes or maxJsonBodyBytes)`,
      },
    };
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return { refused: { kind: 'malformed', message: `${what} is not valid JSON` } };
  }
  if (depthOf(value, maxDepth) > maxDepth)
    return { refused: { kind: 'deep', message: `${what} is nested more than ${maxDepth} deep (limits.maxJsonDepth)` } };
  return { value };
}

/** The nesting depth of a parsed JSON value, counted without recursion and given up past `stopAfter`. */
export function depthOf(value: unknown, stopAfter: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > stopAfter) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, inner]);
    }
  }
  return deepest;
}

/** A short, safe description of a client's value for a message: never recursive, never long. */
export function preview(value: unknown): string {
  if (Array.isArray(value)) {
    const shallow = value
      .slice(0, 4)
      .map((v) => (v !== null && typeof v === 'object' ? (Array.isArray(v) ? '[...]' : '{...}') : (JSON.stringify(v) ?? String(v))));
    return `[${shallow.join(', ')}${value.length > 4 ? ', ...' : ''}]`.slice(0, 80);
  }
  if (value !== null && typeof value === 'object') return '{...}';
  return (JSON.stringify(value) ?? String(value)).slice(0, 80);
}
