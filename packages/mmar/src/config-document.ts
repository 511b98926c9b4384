import { parentJsonPointer } from '@medaas/core';
import { detectGeneration, type MmarGeneration } from './generation.js';
import { nodeAt } from './json-pointer.js';
import { parseJsonSyntax, positionAt, toJsonValue } from './json-syntax.js';
import type { ConfigKind } from './config-kind.js';
import type { JsonValue } from './json-edit.js';
import { ShapeChecker, type ShapeIssue } from './shape.js';

export type { ConfigKind } from './config-kind.js';

/** A shape finding of one document, with where it is in the text. */
export interface ConfigFinding extends ShapeIssue {
  /** 1-based line of the value the pointer names (or of the closest value that exists). */
  readonly line?: number;
  /** 1-based column of that value. */
  readonly column?: number;
}

/**
 * A parsed MMAR configuration file that remembers its exact text. `value` is the typed content, kept
 * whole (unknown keys and shapes included); `text` is what {@link stringifyConfig} returns, byte for
 * byte, until an edit changes it. What does not fit the typed model is in `findings`, never dropped.
 * Documents are immutable: edits return a new document.
 */
export interface ConfigDocument<T> {
  /** Which file this is; edits re-check the result against the same rules. */
  readonly kind: ConfigKind;
  /** The file name used in error messages and findings, e.g. `config/config_train.json`. */
  readonly file: string;
  /** The exact source text, including whitespace, key order and number spelling. */
  readonly text: string;
  /** The parsed content, exactly as written. */
  readonly value: T;
  /** The Clara Train generation the layout is written for. */
  readonly generation: MmarGeneration;
  /** Values Clara cannot use (`error`) and shapes this library does not know (`warning`), in text order. */
  readonly findings: readonly ConfigFinding[];
}

/** The shape check of one kind of file: reports issues into `check`. */
export type ConfigCheck = (check: ShapeChecker, value: unknown) => void;

const documents = new WeakSet<object>();

/** Options of the document parsers. */
export interface CreateDocumentOptions {
  /** Throw `MMAR_INVALID_CONFIG` for a value Clara cannot use instead of reporting it. Default false. */
  readonly strict?: boolean | undefined;
}

/** The deepest value on the way to `pointer` that exists: a missing key is reported at its parent. */
function positionOf(text: string, root: ReturnType<typeof parseJsonSyntax>, pointer: string): { line: number; column: number } | undefined {
  let current = pointer;
  for (;;) {
    const node = nodeAt(root, current);
    if (node) return positionAt(text, node.start);
    if (current === '') return undefined;
    current = parentJsonPointer(current);
  }
}

/**
 * Parses and checks a configuration text into a {@link ConfigDocument}: the shape findings are kept on
 * the document (with line and column) rather than thrown, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` (with line and column); with `strict`, `MMAR_INVALID_CONFIG`
 *   (with a JSON pointer) for the findings of severity `error`.
 */
export function createDocument<T>(
  kind: ConfigKind,
  text: string,
  file: string,
  rules: ConfigCheck,
  what: string,
  options: CreateDocumentOptions = {},
): ConfigDocument<T> {
  const root = parseJsonSyntax(text, file);
  const value = toJsonValue(root);
  const check = new ShapeChecker();
  rules(check, value);
  if (options.strict) check.throwIfErrors(file, what);
  const findings = check.issues.map((issue): ConfigFinding => ({ ...issue, ...positionOf(text, root, issue.pointer) }));
  findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const document: ConfigDocument<T> = Object.freeze({
    kind,
    file,
    text,
    value: value as T,
    generation: detectGeneration(kind, value),
    findings: Object.freeze(findings),
  });
  documents.add(document);
  return document;
}

/**
 * Whether `value` is a document made by one of the `parse*` functions.
 *
 * @example
 * ```ts
 * isConfigDocument(parseEnvironment(text)); // true
 * isConfigDocument({ epochs: 1 }); // false
 * ```
 */
export function isConfigDocument(value: unknown): value is ConfigDocument<unknown> {
  return typeof value === 'object' && value !== null && documents.has(value);
}

/** Options of {@link stringifyConfig}. */
export interface StringifyConfigOptions {
  /** Indentation for configurations built from plain objects. Default: 4 spaces, as Clara's own MMARs. */
  readonly indent?: number | string;
}

/**
 * The JSON text of a configuration. For a parsed document it is the document's text, so an unedited
 * document comes back exactly as it was read and an edited one differs only where it was edited. A plain
 * object (a configuration built in code) is serialised with 4-space indentation and a final newline.
 *
 * @example
 * ```ts
 * const config = parseConfigTrain(text);
 * stringifyConfig(config) === text; // true
 * stringifyConfig(setEpochs(config, 300)); // text with only the epochs number changed
 * ```
 */
export function stringifyConfig(config: ConfigDocument<unknown> | JsonValue, options: StringifyConfigOptions = {}): string {
  if (isConfigDocument(config)) return config.text;
  return `${JSON.stringify(config, null, options.indent ?? 4)}\n`;
}
