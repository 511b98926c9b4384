import { formatJsonPointer, jsonPointerIndex, parseJsonPointer } from '@medaas/core';
import { MmarError } from './errors.js';
import { nodeAt } from './json-pointer.js';
import { parseJsonSyntax } from './json-syntax.js';

/** A value that can be written into a JSON document. `undefined` object properties are skipped. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/** The layout of a document, detected once so that inserted text looks like its neighbours. */
interface Layout {
  readonly unit: string;
  readonly eol: string;
}

/** Options of {@link setJsonValue}. */
export interface SetJsonValueOptions {
  /** The file name used in error messages. */
  readonly file?: string;
  /** When a new object member is inserted: put it before this sibling key if present (else last). */
  readonly before?: string;
}

/**
 * Sets the value at a JSON pointer by splicing the text: every byte outside the edited value stays as it
 * was. A missing last segment is inserted as a new member (or array item, for index = length or `-`)
 * formatted like its siblings. A number keeps the spelling style of the number it replaces (`1e-4`
 * stays exponential; `1.0` stays a float for Python).
 *
 * @param text - the JSON text to edit.
 * @param pointer - an RFC 6901 pointer; its parent must exist.
 * @param value - the new value.
 * @throws {MmarError} `MMAR_INVALID_JSON` when `text` is not JSON, `MMAR_POINTER_NOT_FOUND` when the parent
 *   is missing or not a container, `MMAR_INVALID_ARGUMENT` for a non-finite number in `value`.
 * @throws {CoreError} `CORE_INVALID_ARGUMENT` when `pointer` is not a JSON pointer (`''` or starting with `/`).
 * @example
 * ```ts
 * setJsonValue('{\n    "epochs": 1260\n}', '/epochs', 300); // '{\n    "epochs": 300\n}'
 * ```
 */
export function setJsonValue(text: string, pointer: string, value: JsonValue, options: SetJsonValueOptions = {}): string {
  const file = options.file ?? '<json>';
  const root = parseJsonSyntax(text, file);
  const layout = detectLayout(text);
  const existing = nodeAt(root, pointer);
  if (existing) {
    const original = text.slice(existing.start, existing.end);
    const inline = !original.includes('\n');
    const rendered = render(value, lineIndent(text, existing.start), layout, { inline, original });
    return text.slice(0, existing.start) + rendered + text.slice(existing.end);
  }
  const segments = parseJsonPointer(pointer);
  const last = segments.pop();
  const parentPointer = formatJsonPointer(segments);
  const parent = nodeAt(root, parentPointer);
  if (last === undefined || !parent || (parent.kind !== 'object' && parent.kind !== 'array')) {
    throw new MmarError(
      'MMAR_POINTER_NOT_FOUND',
      `${file}: cannot set ${pointer}: ${parentPointer || 'the root'} is not an object or array`,
      {
        details: { file, pointer },
      },
    );
  }
  if (parent.kind === 'array') {
    const index = last === '-' ? parent.items.length : jsonPointerIndex(last);
    if (index !== parent.items.length) {
      throw new MmarError('MMAR_POINTER_NOT_FOUND', `${file}: cannot set ${pointer}: index out of range`, { details: { file, pointer } });
    }
  }
  const starts = parent.kind === 'object' ? parent.members.map((m) => m.keyStart) : parent.items.map((i) => i.start);
  const ends = parent.kind === 'object' ? parent.members.map((m) => m.value.end) : parent.items.map((i) => i.end);
  const entry = (indent: string, inline: boolean): string => {
    const rendered = render(value, indent, layout, { inline });
    return parent.kind === 'object' ? `${JSON.stringify(last)}: ${rendered}` : rendered;
  };
  const beforeIndex =
    parent.kind === 'object' && options.before !== undefined ? parent.members.findIndex((m) => m.key === options.before) : -1;
  const beforeStart = starts[beforeIndex];
  if (beforeStart !== undefined) {
    const separator = siblingSeparator(text, starts, ends, beforeIndex, parent.start);
    const inline = !separator.includes('\n');
    return (
      text.slice(0, beforeStart) + `${entry(inline ? '' : lineIndent(text, beforeStart), inline)},${separator}` + text.slice(beforeStart)
    );
  }
  const lastStart = starts.at(-1);
  const lastEnd = ends.at(-1);
  if (lastStart === undefined || lastEnd === undefined) {
    const inner = text.slice(parent.start + 1, parent.end - 1);
    const indent = lineIndent(text, parent.start);
    const multiline = text.includes('\n');
    const body = multiline
      ? `${layout.eol}${indent}${layout.unit}${entry(indent + layout.unit, false)}${layout.eol}${indent}`
      : entry('', true);
    return text.slice(0, parent.start + 1) + (inner.trim() === '' ? body : inner + body) + text.slice(parent.end - 1);
  }
  const separator = siblingSeparator(text, starts, ends, starts.length - 1, parent.start);
  const inline = !separator.includes('\n');
  const insertion = `,${separator}${entry(inline ? '' : lineIndent(text, lastStart), inline)}`;
  return text.slice(0, lastEnd) + insertion + text.slice(lastEnd);
}

/**
 * Removes the member or array item at a JSON pointer, with its comma and the whitespace that separated
 * it, leaving the rest of the text untouched. Removing something that is not there returns `text`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` when `text` is not JSON, `MMAR_INVALID_ARGUMENT` for the root pointer.
 * @example
 * ```ts
 * removeJsonValue('{"a": 1, "b": 2}', '/a'); // '{"b": 2}'
 * ```
 */
export function removeJsonValue(text: string, pointer: string, options: { readonly file?: string } = {}): string {
  const file = options.file ?? '<json>';
  const root = parseJsonSyntax(text, file);
  const segments = parseJsonPointer(pointer);
  const last = segments.pop();
  if (last === undefined)
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${file}: the document root cannot be removed`, { details: { file } });
  const parent = nodeAt(root, formatJsonPointer(segments));
  if (!parent || (parent.kind !== 'object' && parent.kind !== 'array')) return text;
  const spans =
    parent.kind === 'object'
      ? parent.members.map((m) => ({ start: m.keyStart, end: m.value.end }))
      : parent.items.map((i) => ({ start: i.start, end: i.end }));
  const index = parent.kind === 'object' ? parent.members.findLastIndex((m) => m.key === last) : (jsonPointerIndex(last) ?? -1);
  const target = spans[index];
  if (!target) return text;
  const next = spans[index + 1];
  const previous = spans[index - 1];
  if (next) return text.slice(0, target.start) + text.slice(next.start);
  if (previous) return text.slice(0, previous.end) + text.slice(target.end);
  return text.slice(0, parent.start + 1) + text.slice(parent.end - 1);
}

/** The whitespace that separates a container's entry `index` from the one before it (or, for the first, from the next). */
function siblingSeparator(text: string, starts: readonly number[], ends: readonly number[], index: number, containerStart: number): string {
  const between = (i: number): string => text.slice(text.indexOf(',', ends[i - 1] as number) + 1, starts[i]);
  if (index > 0) return between(index);
  if (starts.length > 1) return between(1);
  const leading = text.slice(containerStart + 1, starts[0]);
  return leading.includes('\n') ? leading : ' ';
}

function detectLayout(text: string): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const match = /\n([ \t]+)\S/.exec(text);
  return { unit: match?.[1] ?? '    ', eol };
}

/** The whitespace that starts the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
}

interface RenderStyle {
  readonly inline: boolean;
  readonly original?: string;
}

function render(value: JsonValue, indent: string, layout: Layout, style: RenderStyle): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatNumber(value, style.original);
  if (typeof value === 'string') return JSON.stringify(value);
  const isArray = Array.isArray(value);
  const entries: [string | undefined, JsonValue][] = isArray
    ? (value as readonly JsonValue[]).map((item) => [undefined, item])
    : Object.entries(value as Record<string, JsonValue | undefined>).filter((e): e is [string, JsonValue] => e[1] !== undefined);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const scalarsOnly = entries.every(([, item]) => item === null || typeof item !== 'object');
  const inline = style.inline || (isArray && scalarsOnly);
  const inner = indent + layout.unit;
  const parts = entries.map(([key, item]) => {
    const rendered = render(item, inline ? indent : inner, layout, { inline });
    return key === undefined ? rendered : `${JSON.stringify(key)}: ${rendered}`;
  });
  if (inline) return open + parts.join(', ') + close;
  return `${open}${layout.eol}${inner}${parts.join(`,${layout.eol}${inner}`)}${layout.eol}${indent}${close}`;
}

function formatNumber(value: number, original: string | undefined): string {
  if (!Number.isFinite(value)) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${String(value)} cannot be written as JSON`, { details: { value: String(value) } });
  }
  if (original !== undefined && /^-?\d/.test(original)) {
    const exponent = /[eE]/.exec(original);
    if (exponent && value !== 0) {
      let spelled = value.toExponential();
      if (!original.includes('+')) spelled = spelled.replace('e+', 'e');
      return exponent[0] === 'E' ? spelled.toUpperCase() : spelled;
    }
    if (original.includes('.') && Number.isInteger(value)) return `${value}.0`;
  }
  return JSON.stringify(value);
}

/**
 * Inserts an item into an array before the item at the pointer's index (or appends, for index = length or
 * `-`), formatted like its siblings, leaving every other byte untouched.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` when `text` is not JSON, `MMAR_POINTER_NOT_FOUND` when the parent is
 *   not an array or the index is out of range.
 * @example
 * ```ts
 * insertJsonItem('[2, 3]', '/0', 1); // '[1, 2, 3]'
 * ```
 */
export function insertJsonItem(text: string, pointer: string, value: JsonValue, options: { readonly file?: string } = {}): string {
  const file = options.file ?? '<json>';
  const segments = parseJsonPointer(pointer);
  const last = segments.pop() ?? '';
  const parent = nodeAt(parseJsonSyntax(text, file), formatJsonPointer(segments));
  const index = last === '-' ? -1 : jsonPointerIndex(last);
  if (!parent || parent.kind !== 'array' || index === undefined || index > parent.items.length) {
    throw new MmarError('MMAR_POINTER_NOT_FOUND', `${file}: cannot insert at ${pointer}`, { details: { file, pointer } });
  }
  const item = parent.items[index];
  if (index === -1 || !item) return setJsonValue(text, formatJsonPointer([...segments, parent.items.length]), value, options);
  const separator = siblingSeparator(
    text,
    parent.items.map((i) => i.start),
    parent.items.map((i) => i.end),
    index,
    parent.start,
  );
  const inline = !separator.includes('\n');
  const rendered = render(value, inline ? '' : lineIndent(text, item.start), detectLayout(text), { inline });
  return `${text.slice(0, item.start)}${rendered},${separator}${text.slice(item.start)}`;
}
