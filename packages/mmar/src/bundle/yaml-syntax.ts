import { jsonPointerIndex, parseJsonPointer } from '@medaas/core';
import {
  Composer,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Parser,
  type CST,
  type Document,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  type ParsedNode,
  type SchemaOptions,
} from 'yaml';
import { MmarError } from '../errors.js';
import { positionAt } from '../json-syntax.js';
import { PYTHON_YAML_TAGS } from './python-yaml-schema.js';

/** A parsed YAML text: its document (with source offsets), its concrete syntax tokens, and its plain value. */
export interface YamlSyntax {
  /** The composed document; every node keeps its `range` and `srcToken`. */
  readonly document: Document.Parsed;
  /** The concrete syntax tokens; stringifying them all gives back the text. */
  readonly tokens: readonly CST.Token[];
  /** The value PyYAML's `safe_load` returns for the text (JSON-compatible). */
  readonly value: unknown;
}

/** Parse options shared by reading and by the check after every edit. */
export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  schema: 'failsafe',
  customTags: [...PYTHON_YAML_TAGS],
  merge: true,
  uniqueKeys: true,
  keepSourceTokens: true,
  strict: true,
  prettyErrors: false,
};

const MAX_DEPTH = 1000;

function fail(text: string, file: string, offset: number, reason: string, cause?: unknown): never {
  const { line, column } = positionAt(text, offset);
  throw new MmarError('MMAR_INVALID_YAML', `${file}:${line}:${column}: ${reason}`, {
    details: { file, line, column, offset },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Parses YAML the way MONAI reads it (PyYAML's safe loader: YAML 1.1 implicit types, `<<` merge keys),
 * refusing what PyYAML refuses (tabs as indentation, bad syntax, several documents in one file) and, more
 * strictly than PyYAML, duplicate keys, which PyYAML silently resolves to the last one.
 *
 * @throws {MmarError} `MMAR_INVALID_YAML` with `details` `{ file, line, column, offset }` (1-based).
 * @example
 * ```ts
 * parseYamlSyntax('max_epochs: 100\n', 'configs/train.yaml').value; // { max_epochs: 100 }
 * ```
 */
export function parseYamlSyntax(text: string, file = '<yaml>'): YamlSyntax {
  let tokens: CST.Token[];
  let documents: Document.Parsed[];
  try {
    tokens = [...new Parser().parse(text)];
    documents = [...new Composer(YAML_OPTIONS).compose(tokens)];
  } catch (error) {
    if (error instanceof MmarError) throw error;
    return fail(text, file, 0, 'the YAML text is too deeply nested or malformed', error);
  }
  const [document, second] = documents;
  if (second) fail(text, file, second.range[0], 'expected a single YAML document but found another one');
  if (!document) {
    // An empty text is one empty document for PyYAML (None); the composer yields nothing for it.
    return {
      document: [...new Composer(YAML_OPTIONS).compose([...new Parser().parse('null\n')])][0] as Document.Parsed,
      tokens,
      value: null,
    };
  }
  const error = document.errors[0];
  if (error) fail(text, file, error.pos[0], error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''), error);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    return fail(text, file, 0, `the YAML aliases cannot be expanded (${cause instanceof Error ? cause.message : String(cause)})`, cause);
  }
  const offending = findCycleOrDepth(value);
  if (offending) fail(text, file, 0, offending);
  return { document, tokens, value };
}

/** An alias inside its own anchor makes a recursive value, which no JSON tool and no MONAI config can use. */
function findCycleOrDepth(root: unknown): string | undefined {
  const stack: { value: unknown; depth: number; exit?: boolean }[] = [{ value: root, depth: 0 }];
  const open = new Set<unknown>();
  while (stack.length > 0) {
    const frame = stack.pop() as { value: unknown; depth: number; exit?: boolean };
    if (frame.exit) {
      open.delete(frame.value);
      continue;
    }
    const { value, depth } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (open.has(value)) return 'an alias refers to a collection that contains it (a recursive value)';
    if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
    open.add(value);
    stack.push({ value, depth, exit: true });
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/** The key of a pair as the plain value's key: what `toJS` makes of it. */
export function yamlKey(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/**
 * The node a JSON pointer addresses in a YAML document, or undefined. Aliases are not followed: the alias
 * node itself is returned, since that is where the text is.
 */
export function yamlNodeAt(document: Document.Parsed, pointer: string): ParsedNode | undefined {
  let node: Node | null | undefined = document.contents;
  for (const segment of parseJsonPointer(pointer)) {
    if (isMap(node)) {
      const pair = node.items.findLast((item) => isPair(item) && yamlKey(item.key) === segment);
      node = pair?.value as Node | null | undefined;
    } else if (isSeq(node)) {
      const index = jsonPointerIndex(segment);
      node = index === undefined ? undefined : (node.items[index] as Node | undefined);
    } else return undefined;
    if (node === null || node === undefined || isAlias(node)) return node === null ? undefined : (node as ParsedNode | undefined);
  }
  return (node ?? undefined) as ParsedNode | undefined;
}

/** The offset where the value at a pointer starts, or undefined when the pointer addresses nothing. */
export function yamlOffsetAt(document: Document.Parsed, pointer: string): number | undefined {
  return yamlNodeAt(document, pointer)?.range[0];
}
