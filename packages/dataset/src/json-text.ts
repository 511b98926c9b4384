import { DatasetError } from './errors.js';

/**
 * Parses JSON text, turning a syntax error into `DATASET_INVALID_JSON` with the 1-based line and column
 * (taken from the engine's offset, or the end of the text when it reports none).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const offset = locateJsonError(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new DatasetError('DATASET_INVALID_JSON', `${file}:${line}:${column}: not valid JSON (${reason.split('\n')[0] ?? reason})`, {
      details: { file, line, column, offset },
      cause: error,
    });
  }
}

/** Throws `DATASET_INVALID_DATALIST` for a value at `pointer`. */
export function invalid(file: string, pointer: string, message: string): never {
  throw new DatasetError('DATASET_INVALID_DATALIST', `${file}: ${pointer || '/'}: ${message}`, { details: { file, pointer } });
}

/** A short name of a JSON value's type, for messages. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The offset of the first syntax error in a text `JSON.parse` rejected. Engines differ in whether their
 * message has a position (Node 20's often has none), so the text is scanned again, iteratively (no
 * recursion, so deep nesting cannot overflow the stack).
 */
export function locateJsonError(text: string): number {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: ('{' | '[')[] = [];
  const ws = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const string = (): boolean => {
    if (text[pos] !== '"') return false;
    pos++;
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code === 0x22) return (pos++, true);
      if (code < 0x20) return false;
      if (code === 0x5c) {
        const next = text[pos + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) return false;
          pos += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) pos += 2;
        else return false;
      } else pos++;
    }
    return false;
  };
  // A value: a scalar, or the opening of a container (pushed on the stack).
  const value = (): boolean => {
    const ch = text[pos];
    if (ch === '{' || ch === '[') {
      stack.push(ch);
      pos++;
      ws();
      if (text[pos] === (ch === '{' ? '}' : ']')) {
        stack.pop();
        pos++;
        return true;
      }
      return ch === '{' ? member() : value();
    }
    if (ch === '"') return string();
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, pos)) return ((pos += word.length), true);
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (!match) return false;
    pos += match[0].length;
    return true;
  };
  const member = (): boolean => {
    if (!string()) return false;
    ws();
    if (text[pos] !== ':') return false;
    pos++;
    ws();
    return value();
  };
  ws();
  if (!value()) return pos;
  for (;;) {
    ws();
    const top = stack.at(-1);
    if (top === undefined) return pos;
    const ch = text[pos];
    if (ch === ',') {
      pos++;
      ws();
      if (!(top === '{' ? member() : value())) return pos;
    } else if (ch === (top === '{' ? '}' : ']')) {
      stack.pop();
      pos++;
    } else return pos;
  }
}
