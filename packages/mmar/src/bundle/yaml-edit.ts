import { formatJsonPointer, jsonPointerIndex, parseJsonPointer } from '@medaas/core';
import {
  CST,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  stringify,
  type CreateNodeOptions,
  type DocumentOptions,
  type ParsedNode,
  type Scalar,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';
import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { isImplicitlyTyped, PYTHON_YAML_TAGS, pythonYamlNumber } from './python-yaml-schema.js';
import { parseYamlSyntax, yamlNodeAt, type YamlSyntax } from './yaml-syntax.js';
import { jsonEqual, withValueAt } from './plain-values.js';

// YAML edits change the text of the edited value only. A scalar replaced by a scalar goes through the
// `yaml` package's concrete syntax tree (CST.setScalarValue keeps the token's quoting style and its
// comments); anything else is a splice at the node's source range, rendered in the document's own
// indentation. Every edit is checked by parsing the result: it must equal the old value with exactly
// that change, or the edit is refused rather than written.

/** Where a YAML edit fails, for error messages. */
interface EditContext {
  readonly file: string;
  readonly pointer: string;
}

const STRINGIFY: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = {
  version: '1.1',
  schema: 'failsafe',
  customTags: [...PYTHON_YAML_TAGS],
  lineWidth: 0,
  indent: 2,
  aliasDuplicateObjects: false,
  flowCollectionPadding: false,
};

function refuse(context: EditContext, reason: string): never {
  throw new MmarError('MMAR_POINTER_NOT_FOUND', `${context.file}: cannot edit ${context.pointer || 'the root'}: ${reason}`, {
    details: { file: context.file, pointer: context.pointer },
  });
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The end of a node's own text, without the line break and blank lines a block collection ends with. */
function contentEnd(text: string, node: ParsedNode): number {
  let end = node.range[1];
  while (end > node.range[0] && /\s/.test(text[end - 1] ?? '')) end--;
  return end;
}

/** How a plain scalar value is spelled in YAML so that PyYAML reads it back as the same value. */
function scalarSource(value: null | boolean | number | string, original: Scalar | undefined): { source: string; type: Scalar.Type } {
  if (value === null) return { source: 'null', type: 'PLAIN' };
  if (typeof value === 'boolean') return { source: value ? 'true' : 'false', type: 'PLAIN' };
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new MmarError('MMAR_INVALID_ARGUMENT', `${String(value)} cannot be written as a configuration value`, {
        details: { value: String(value) },
      });
    const spelled = original?.source;
    const wasFloat = typeof spelled === 'string' ? /[.eE]/.test(spelled) : false;
    const wasExponent = typeof spelled === 'string' && /[eE]/.test(spelled);
    const float = wasFloat || !Number.isInteger(value);
    if (wasExponent && value !== 0) {
      const [mantissa = '', exponent = ''] = value.toExponential().split('e');
      return { source: `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`, type: 'PLAIN' };
    }
    return { source: pythonYamlNumber(value, float), type: 'PLAIN' };
  }
  const previous = original?.type;
  if (previous === 'QUOTE_SINGLE' || previous === 'QUOTE_DOUBLE') return { source: value, type: previous };
  const plainSafe =
    /^[A-Za-z_./][\w ./+()=,-]*$/.test(value) &&
    !value.endsWith(' ') &&
    !isImplicitlyTyped(value) &&
    !value.includes(': ') &&
    !value.includes(' #');
  return { source: value, type: plainSafe ? 'PLAIN' : 'QUOTE_DOUBLE' };
}

/** Renders a value as YAML whose first line goes at the cursor and whose other lines start with `indent`. */
function renderBlock(value: JsonValue, indent: string, compactSeq: boolean): string {
  const text = stringify(value, { ...STRINGIFY, indentSeq: !compactSeq }).replace(/\n$/, '');
  return text.split('\n').join(`\n${indent}`);
}

/** Renders a value on one line (YAML flow style, which JSON also is). */
function renderFlow(value: JsonValue): string {
  return stringify(value, { ...STRINGIFY, collectionStyle: 'flow' }).replace(/\n$/, '');
}

function isCollectionValue(value: JsonValue): boolean {
  return typeof value === 'object' && value !== null;
}

/** Whether the document writes sequences under a key without indenting them (`key:\n- a`). */
function usesCompactSequences(text: string): boolean {
  return /^([ ]*)[^\s#-][^\n]*:[ ]*\n\1- /m.test(text);
}

function checked(before: YamlSyntax, after: string, pointer: string, value: JsonValue | undefined, context: EditContext): string {
  let parsed: YamlSyntax;
  try {
    parsed = parseYamlSyntax(after, context.file);
  } catch (error) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${context.file}: the edit of ${pointer || 'the root'} would not be valid YAML`, {
      details: { ...context },
      cause: error,
    });
  }
  const expected = withValueAt(before.value, parseJsonPointer(pointer), value);
  if (!jsonEqual(parsed.value, expected)) {
    throw new MmarError(
      'MMAR_INVALID_ARGUMENT',
      `${context.file}: the value for ${pointer || 'the root'} cannot be written into this YAML losslessly`,
      { details: { ...context } },
    );
  }
  return after;
}

/**
 * Sets the value at a JSON pointer of a YAML text, changing only the text of that value (or, for a new key
 * or item, adding only its lines). A number keeps the spelling style of the one it replaces and is
 * always spelled so that PyYAML reads the same type (`1.0e-05`, not `1e-5`, which PyYAML reads as text).
 *
 * @throws {MmarError} `MMAR_INVALID_YAML` when `text` is not YAML; `MMAR_POINTER_NOT_FOUND` when the
 *   parent does not exist or the value is an alias; `MMAR_INVALID_ARGUMENT` for a non-finite number.
 * @example
 * ```ts
 * setYamlValue('max_epochs: 100  # long\n', '/max_epochs', 20); // 'max_epochs: 20  # long\n'
 * ```
 */
export function setYamlValue(text: string, pointer: string, value: JsonValue, options: { readonly file?: string } = {}): string {
  const context = { file: options.file ?? '<yaml>', pointer };
  const syntax = parseYamlSyntax(text, context.file);
  const node = pointer === '' ? ((syntax.document.contents as ParsedNode | null) ?? undefined) : yamlNodeAt(syntax.document, pointer);
  if (node && isAlias(node)) refuse(context, 'the value is a YAML alias (edit its anchor instead)');
  if (node) return checked(syntax, replaceNode(text, syntax, node, value), pointer, value, context);
  const segments = parseJsonPointer(pointer);
  const last = segments.pop();
  const parentPointer = formatJsonPointer(segments);
  const parent = parentPointer === '' ? (syntax.document.contents as ParsedNode | null) : yamlNodeAt(syntax.document, parentPointer);
  if (last === undefined || !parent || !isCollection(parent))
    refuse(context, `${parentPointer || 'the root'} is not a mapping or sequence`);
  if (isSeq(parent)) {
    const index = last === '-' ? parent.items.length : jsonPointerIndex(last);
    if (index !== parent.items.length) refuse(context, 'index out of range');
    return checked(syntax, insertItem(text, parent, parent.items.length, value), pointer, value, context);
  }
  return checked(syntax, insertPair(text, parent, last, value), pointer, value, context);
}

function replaceNode(text: string, syntax: YamlSyntax, node: ParsedNode, value: JsonValue): string {
  if (isScalar(node) && !isCollectionValue(value) && node.srcToken) {
    const { source, type } = scalarSource(value as null | boolean | number | string, node);
    // The tokens were parsed for this edit only, so they can be changed in place.
    CST.setScalarValue(node.srcToken, source, { type });
    return syntax.tokens.map((token) => CST.stringify(token)).join('');
  }
  const start = node.range[0];
  const end = contentEnd(text, node);
  const block = isCollectionValue(value) && isCollection(node) && !node.flow;
  if (block) {
    const indent = ' '.repeat(start - lineStartOf(text, start));
    return text.slice(0, start) + renderBlock(value, indent, usesCompactSequences(text)) + text.slice(end);
  }
  return text.slice(0, start) + renderFlow(value) + text.slice(end);
}

function insertItem(text: string, seq: ParsedNode & { items: unknown[] }, index: number, value: JsonValue): string {
  if (isSeq(seq) && seq.flow) {
    const items = seq.items as ParsedNode[];
    const before = items[index];
    if (before) return `${text.slice(0, before.range[0])}${renderFlow(value)}, ${text.slice(before.range[0])}`;
    const lastItem = items.at(-1);
    if (lastItem) return `${text.slice(0, contentEnd(text, lastItem))}, ${renderFlow(value)}${text.slice(contentEnd(text, lastItem))}`;
    const close = text.lastIndexOf(']', seq.range[1]);
    return `${text.slice(0, close)}${renderFlow(value)}${text.slice(close)}`;
  }
  const items = seq.items as ParsedNode[];
  const first = items[0];
  if (!first) throw new MmarError('MMAR_POINTER_NOT_FOUND', 'cannot insert into an empty block sequence', { details: {} });
  const dash = text.lastIndexOf('-', first.range[0]);
  const indent = ' '.repeat(dash - lineStartOf(text, dash));
  const rendered = `- ${renderBlock(value, `${indent}  `, usesCompactSequences(text))}`;
  const before = items[index];
  if (before) {
    const itemDash = text.lastIndexOf('-', before.range[0]);
    return `${text.slice(0, itemDash)}${rendered}\n${indent}${text.slice(itemDash)}`;
  }
  const end = contentEnd(text, items.at(-1) as ParsedNode);
  return `${text.slice(0, end)}\n${indent}${rendered}${text.slice(end)}`;
}

function insertPair(text: string, map: ParsedNode, key: string, value: JsonValue): string {
  const items = (map as unknown as { items: { key: unknown; value: unknown }[] }).items;
  const renderedKey = renderFlow(key);
  if (isMap(map) && map.flow) {
    const lastPair = items.at(-1);
    const close = text.lastIndexOf('}', map.range[1]);
    const entry = `${renderedKey}: ${renderFlow(value)}`;
    if (!lastPair) return `${text.slice(0, close)}${entry}${text.slice(close)}`;
    const end = contentEnd(text, (lastPair.value ?? lastPair.key) as ParsedNode);
    return `${text.slice(0, end)}, ${entry}${text.slice(end)}`;
  }
  const firstKey = items[0]?.key as ParsedNode | undefined;
  const lastPair = items.at(-1);
  if (!firstKey || !lastPair) throw new MmarError('MMAR_POINTER_NOT_FOUND', 'cannot insert into an empty block mapping', { details: {} });
  const indent = ' '.repeat(firstKey.range[0] - lineStartOf(text, firstKey.range[0]));
  const compact = usesCompactSequences(text);
  const rendered = isCollectionValue(value)
    ? `${renderedKey}:\n${indent}${Array.isArray(value) && compact ? '' : '  '}${renderBlock(value, `${indent}${Array.isArray(value) && compact ? '' : '  '}`, compact)}`
    : `${renderedKey}: ${renderFlow(value)}`;
  const end = contentEnd(text, (lastPair.value ?? lastPair.key) as ParsedNode);
  return `${text.slice(0, end)}\n${indent}${rendered}${text.slice(end)}`;
}

/**
 * Inserts an item into a YAML sequence before the item at the pointer's index (or appends, for index =
 * length or `-`), as a new `- ` entry at the sequence's indentation; nothing else changes.
 *
 * @throws {MmarError} `MMAR_INVALID_YAML` when `text` is not YAML; `MMAR_POINTER_NOT_FOUND` when the
 *   parent is not a sequence or the index is out of range.
 * @example
 * ```ts
 * insertYamlItem('handlers:\n- a\n', '/handlers/0', 'b'); // 'handlers:\n- b\n- a\n'
 * ```
 */
export function insertYamlItem(text: string, pointer: string, value: JsonValue, options: { readonly file?: string } = {}): string {
  const context = { file: options.file ?? '<yaml>', pointer };
  const syntax = parseYamlSyntax(text, context.file);
  const segments = parseJsonPointer(pointer);
  const last = segments.pop() ?? '';
  const parentPointer = formatJsonPointer(segments);
  const parent = parentPointer === '' ? (syntax.document.contents as ParsedNode | null) : yamlNodeAt(syntax.document, parentPointer);
  if (!parent || !isSeq(parent)) refuse(context, `${parentPointer || 'the root'} is not a sequence`);
  const index = last === '-' ? parent.items.length : jsonPointerIndex(last);
  if (index === undefined || index > parent.items.length) refuse(context, 'index out of range');
  const expected = withValueAt(syntax.value, segments, insertInto(syntax.value, segments, index, value) as JsonValue);
  const after = insertItem(text, parent as ParsedNode & { items: unknown[] }, index, value);
  const parsed = parseYamlSyntax(after, context.file);
  if (!jsonEqual(parsed.value, expected))
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${context.file}: cannot insert into ${parentPointer} losslessly`, {
      details: { ...context },
    });
  return after;
}

function insertInto(root: unknown, segments: readonly string[], index: number, value: JsonValue): unknown[] {
  let node: unknown = root;
  for (const segment of segments) node = (node as Record<string, unknown>)[segment];
  const list = [...(node as unknown[])];
  list.splice(index, 0, value);
  return list;
}

/**
 * Removes the key or item at a JSON pointer of a YAML text with its lines (block style) or its comma
 * (flow style); removing something that is not there returns `text`.
 *
 * @throws {MmarError} `MMAR_INVALID_YAML` when `text` is not YAML.
 * @example
 * ```ts
 * removeYamlValue('a: 1\nb: 2\n', '/a'); // 'b: 2\n'
 * ```
 */
export function removeYamlValue(text: string, pointer: string, options: { readonly file?: string } = {}): string {
  const context = { file: options.file ?? '<yaml>', pointer };
  const syntax = parseYamlSyntax(text, context.file);
  const segments = parseJsonPointer(pointer);
  const last = segments.pop();
  const parentPointer = formatJsonPointer(segments);
  const parent = parentPointer === '' ? (syntax.document.contents as ParsedNode | null) : yamlNodeAt(syntax.document, parentPointer);
  if (last === undefined || !parent || !isCollection(parent) || yamlNodeAt(syntax.document, pointer) === undefined) return text;
  let start: number;
  let end: number;
  if (isSeq(parent)) {
    const item = parent.items[jsonPointerIndex(last) ?? -1] as ParsedNode | undefined;
    if (!item) return text;
    start = parent.flow ? item.range[0] : text.lastIndexOf('-', item.range[0]);
    end = contentEnd(text, item);
  } else {
    const pair = (parent.items as { key: ParsedNode; value: ParsedNode | null }[]).findLast(
      (p) => String(isScalar(p.key) ? p.key.value : p.key) === last,
    );
    if (!pair) return text;
    start = pair.key.range[0];
    end = contentEnd(text, pair.value ?? pair.key);
  }
  let after: string;
  if ((parent as { flow?: boolean }).flow) {
    const tail = /^\s*,\s*/.exec(text.slice(end));
    if (tail) after = text.slice(0, start) + text.slice(end + tail[0].length);
    else {
      const head = /,\s*$/.exec(text.slice(0, start));
      after = head ? text.slice(0, start - head[0].length) + text.slice(end) : text.slice(0, start) + text.slice(end);
    }
  } else {
    const lineStart = lineStartOf(text, start);
    const onlyThing = text.slice(lineStart, start).trim() === '';
    const newline = text.indexOf('\n', end);
    after = onlyThing ? text.slice(0, lineStart) + (newline === -1 ? '' : text.slice(newline + 1)) : text.slice(0, start) + text.slice(end);
  }
  return checked(syntax, after, pointer, undefined, context);
}
