import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import type { JsonValue } from './json-edit.js';
import { ShapeChecker } from './shape.js';

/** Which MMAR file a document is, which decides how it is checked. */
export type ConfigKind = 'environment' | 'train' | 'validation' | 'inference' | 'aiaa';

/**
 * A parsed MMAR configuration file that remembers its exact text. `value` is the typed, validated
 * content; `text` is what {@link stringifyConfig} returns, byte for byte, until an edit changes it.
 * Documents are immutable: edits return a new document.
 */
export interface ConfigDocument<T> {
  /** Which file this is; edits re-check the result against the same rules. */
  readonly kind: ConfigKind;
  /** The file name used in error messages and findings, e.g. `config/config_train.json`. */
  readonly file: string;
  /** The exact source text, including whitespace, key order and number spelling. */
  readonly text: string;
  /** The parsed and checked content. */
  readonly value: T;
}

/** The shape check of one kind of file: reports issues into `check`. */
export type ConfigCheck = (check: ShapeChecker, value: unknown) => void;

const documents = new WeakSet<object>();

/**
 * Parses and checks a configuration text into a {@link ConfigDocument}.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` (with line and column) or `MMAR_INVALID_CONFIG` (with a JSON pointer).
 */
export function createDocument<T>(kind: ConfigKind, text: string, file: string, rules: ConfigCheck, what: string): ConfigDocument<T> {
  const value = toJsonValue(parseJsonSyntax(text, file));
  const check = new ShapeChecker();
  rules(check, value);
  check.throwIfAny(file, what);
  const document: ConfigDocument<T> = Object.freeze({ kind, file, text, value: value as T });
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
