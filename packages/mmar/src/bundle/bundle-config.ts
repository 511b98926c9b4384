import { MmarError } from '../errors.js';
import { removeJsonValue, insertJsonItem, setJsonValue, type JsonValue } from '../json-edit.js';
import { nodeAt } from '../json-pointer.js';
import { parseJsonSyntax, positionAt, toJsonValue, type JsonNode, type TextPosition } from '../json-syntax.js';
import { insertYamlItem, removeYamlValue, setYamlValue } from './yaml-edit.js';
import { parseYamlSyntax, yamlOffsetAt, type YamlSyntax } from './yaml-syntax.js';

/** The syntax of a bundle configuration file. */
export type BundleConfigFormat = 'json' | 'yaml';

/**
 * A parsed bundle configuration file (`configs/train.json`, `configs/inference.yaml`, `configs/metadata.json`)
 * that remembers its exact text. `value` is what MONAI reads (JSON, or YAML as PyYAML's safe loader reads it);
 * `text` is what {@link stringifyBundleConfig} returns, byte for byte, until an edit changes it. Documents are
 * immutable: edits return a new document.
 */
export interface BundleConfigDocument {
  /** The bundle-relative path used in errors and findings, e.g. `configs/train.json`. */
  readonly file: string;
  /** JSON or YAML, from the file name unless given. */
  readonly format: BundleConfigFormat;
  /** The exact source text. */
  readonly text: string;
  /** The plain value (objects, arrays, strings, numbers, booleans, null). */
  readonly value: unknown;
}

/** Options of {@link parseBundleConfig}. */
export interface ParseBundleConfigOptions {
  /** The bundle-relative path, used in errors and to pick the format (`.json`, `.yaml`, `.yml`). */
  readonly file: string;
  /** The syntax, when the file name does not say. */
  readonly format?: BundleConfigFormat;
}

type Syntax = { readonly format: 'json'; readonly root: JsonNode } | { readonly format: 'yaml'; readonly yaml: YamlSyntax };
const syntaxes = new WeakMap<BundleConfigDocument, Syntax>();

/**
 * The configuration syntax a bundle path has from its extension, or undefined for other files.
 *
 * @example
 * ```ts
 * bundleConfigFormat('configs/train.yaml'); // 'yaml'
 * bundleConfigFormat('configs/logging.conf'); // undefined
 * ```
 */
export function bundleConfigFormat(path: string): BundleConfigFormat | undefined {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  return undefined;
}

/**
 * Parses a bundle configuration file (JSON or YAML) into a {@link BundleConfigDocument}.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` or `MMAR_INVALID_YAML` with `details` `{ file, line, column, offset }`;
 *   `MMAR_INVALID_ARGUMENT` when the format is neither given nor clear from the file name.
 * @example
 * ```ts
 * const train = parseBundleConfig(text, { file: 'configs/train.json' });
 * stringifyBundleConfig(train) === text; // true
 * ```
 */
export function parseBundleConfig(text: string, options: ParseBundleConfigOptions): BundleConfigDocument {
  const format = options.format ?? bundleConfigFormat(options.file);
  if (format === undefined) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${options.file}: not a .json, .yaml or .yml file; pass the format`, {
      details: { file: options.file },
    });
  }
  let syntax: Syntax;
  let value: unknown;
  if (format === 'json') {
    const root = parseJsonSyntax(text, options.file);
    syntax = { format, root };
    value = toJsonValue(root);
  } else {
    const yaml = parseYamlSyntax(text, options.file);
    syntax = { format, yaml };
    value = yaml.value;
  }
  const document: BundleConfigDocument = Object.freeze({ file: options.file, format, text, value });
  syntaxes.set(document, syntax);
  return document;
}

/**
 * The text of a bundle configuration document: exactly what was read, plus the edits made to it.
 *
 * @example
 * ```ts
 * stringifyBundleConfig(parseBundleConfig(text, { file: 'configs/train.yaml' })) === text; // true
 * ```
 */
export function stringifyBundleConfig(document: BundleConfigDocument): string {
  return document.text;
}

/**
 * The 1-based line and column where the value at a JSON pointer starts, or undefined when the pointer
 * addresses nothing in this file.
 *
 * @example
 * ```ts
 * bundleConfigPosition(train, '/network_def/out_channels'); // { line: 12, column: 25 }
 * ```
 */
export function bundleConfigPosition(document: BundleConfigDocument, pointer: string): TextPosition | undefined {
  let syntax = syntaxes.get(document);
  if (!syntax) syntax = syntaxes.get(parseBundleConfig(document.text, document)) as Syntax;
  const offset = syntax.format === 'json' ? nodeAt(syntax.root, pointer)?.start : yamlOffsetAt(syntax.yaml.document, pointer);
  return offset === undefined ? undefined : positionAt(document.text, offset);
}

/** Edits to apply to a bundle configuration: JSON pointer to new value; `undefined` removes the key or item. */
export type BundleConfigEdits = Readonly<Record<string, JsonValue | undefined>>;

/**
 * Applies edits to a configuration by changing only the edited values' text (JSON by splicing, YAML through
 * the `yaml` package's syntax tree); a missing key is added after its siblings, formatted like them.
 *
 * @throws {MmarError} `MMAR_POINTER_NOT_FOUND` when a pointer's parent does not exist (or, in YAML, the value
 *   is an alias); `MMAR_INVALID_ARGUMENT` for a value that cannot be written (a non-finite number).
 * @example
 * ```ts
 * const edited = editBundleConfig(train, { '/max_epochs': 20, '/val_interval': undefined });
 * ```
 */
export function editBundleConfig(document: BundleConfigDocument, edits: BundleConfigEdits): BundleConfigDocument {
  let text = document.text;
  const options = { file: document.file };
  for (const [pointer, value] of Object.entries(edits)) {
    if (document.format === 'json')
      text = value === undefined ? removeJsonValue(text, pointer, options) : setJsonValue(text, pointer, value, options);
    else text = value === undefined ? removeYamlValue(text, pointer, options) : setYamlValue(text, pointer, value, options);
  }
  return text === document.text ? document : parseBundleConfig(text, document);
}

/**
 * Inserts an item into a list of a configuration before the item at the pointer's index (`/-` appends),
 * formatted like its siblings; nothing else changes.
 *
 * @throws {MmarError} `MMAR_POINTER_NOT_FOUND` when the parent is not a list or the index is out of range.
 * @example
 * ```ts
 * const edited = insertBundleConfigItem(train, '/train/handlers/0', { _target_: 'CheckpointLoader', load_path: 'models/model.pt', load_dict: { model: '@network' } });
 * ```
 */
export function insertBundleConfigItem(document: BundleConfigDocument, pointer: string, value: JsonValue): BundleConfigDocument {
  const options = { file: document.file };
  const text =
    document.format === 'json'
      ? insertJsonItem(document.text, pointer, value, options)
      : insertYamlItem(document.text, pointer, value, options);
  return parseBundleConfig(text, document);
}
