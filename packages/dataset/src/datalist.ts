import { DatasetError } from './errors.js';
import { checkDatalist } from './datalist-check.js';
import { invalid, parseJsonText } from './json-text.js';
import { resolveDataPath, type PathStyle } from './paths.js';
import { SPLIT_PARTS, type DatasetSplit, type SplitPart } from './split.js';

/** One case of a data list: image path(s), and a label path (segmentation) or class (classification). */
export interface DatalistEntry {
  readonly image: string | readonly string[];
  readonly label?: string | number;
  /** Other fields (e.g. a patient id) are kept. */
  readonly [field: string]: unknown;
}

/**
 * A Clara data list (`dataset_0.json`): the cases of each part, with their counts. Paths are relative to
 * DATA_ROOT (or absolute under it). Other top-level fields (`description`, `labels`, ...) are kept.
 */
export interface Datalist {
  readonly num_training: number;
  readonly num_validation: number;
  readonly num_testing: number;
  readonly training: readonly DatalistEntry[];
  readonly validation: readonly DatalistEntry[];
  readonly testing: readonly DatalistEntry[];
  readonly [field: string]: unknown;
}

/** Options of {@link toDatalist}. */
export interface ToDatalistOptions {
  /** DATA_ROOT: needed when items have absolute paths, or for `paths: 'absolute'`. */
  readonly dataRoot?: string;
  /** Write paths relative to DATA_ROOT (default, portable) or absolute under it. */
  readonly paths?: PathStyle;
  /** Extra top-level fields written first, e.g. `{ description, labels: { 0: 'background', 1: 'spleen' } }`. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

function entryOf(item: unknown, where: string, options: ToDatalistOptions): DatalistEntry {
  const path = (p: string): string =>
    resolveDataPath(p, { ...(options.dataRoot === undefined ? {} : { dataRoot: options.dataRoot }), style: options.paths ?? 'relative' });
  if (typeof item === 'string') return { image: path(item) };
  if (typeof item === 'object' && item !== null) {
    const { image, label, ...rest } = item as { image?: unknown; label?: unknown };
    const images = Array.isArray(image) ? image : [image];
    if (images.length > 0 && images.every((i): i is string => typeof i === 'string')) {
      const entry: Record<string, unknown> = { image: Array.isArray(image) ? images.map(path) : path(images[0] as string) };
      if (typeof label === 'string') entry['label'] = path(label);
      else if (typeof label === 'number') entry['label'] = label;
      return { ...entry, ...Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'case')) } as DatalistEntry;
    }
  }
  throw new DatasetError('DATASET_INVALID_ITEM', `${where}: a data list entry needs an "image" path`, { details: { where } });
}

/**
 * Turns a split into a data list, writing every path relative to DATA_ROOT (or absolute under it).
 *
 * @param split - parts of strings (image paths) or `{ image, label }` items (extra fields are kept).
 * @throws {DatasetError} `DATASET_PATH_ESCAPES_ROOT` for a path outside DATA_ROOT; `DATASET_INVALID_ITEM` for
 *   an item without an image; `DATASET_EMPTY` when every part is empty.
 * @example
 * ```ts
 * const datalist = toDatalist(splitDataset(pairs, { seed: 1 }), { fields: { labels: { 0: 'background', 1: 'spleen' } } });
 * ```
 */
export function toDatalist(split: Partial<DatasetSplit<unknown>>, options: ToDatalistOptions = {}): Datalist {
  const lists = Object.fromEntries(
    SPLIT_PARTS.map((part) => [part, (split[part] ?? []).map((item, index) => entryOf(item, `${part}[${index}]`, options))]),
  ) as Record<SplitPart, DatalistEntry[]>;
  if (SPLIT_PARTS.every((part) => lists[part].length === 0))
    throw new DatasetError('DATASET_EMPTY', 'the data list would have no cases', { details: {} });
  return {
    ...options.fields,
    num_training: lists.training.length,
    num_validation: lists.validation.length,
    num_testing: lists.testing.length,
    training: lists.training,
    validation: lists.validation,
    testing: lists.testing,
  };
}

/** Options of {@link parseDatalist}. */
export interface ParseDatalistOptions {
  /** The file name used in messages. Default `dataset_0.json`. */
  readonly file?: string;
}

/**
 * Reads a data list (text or parsed JSON), checking every entry. Parts that are missing are empty; string
 * entries become `{ image }`; `num_*` counts, when present, must match their lists and are filled in when
 * absent. Unknown top-level fields are kept.
 *
 * @throws {DatasetError} `DATASET_INVALID_JSON` with line and column; `DATASET_INVALID_DATALIST` with the
 *   JSON pointer of a wrong type or count (e.g. `/training/3/image`, `/num_validation`).
 * @example
 * ```ts
 * const datalist = parseDatalist(await readFile('config/dataset_0.json', 'utf8'));
 * datalist.num_training; // 41
 * ```
 */
export function parseDatalist(json: unknown, options: ParseDatalistOptions = {}): Datalist {
  const file = options.file ?? 'dataset_0.json';
  const value = typeof json === 'string' ? parseJsonText(json, file) : json;
  const first = checkDatalist(value).problems[0];
  if (first) invalid(file, first.pointer, first.message);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...record };
  for (const part of SPLIT_PARTS) {
    const list = (record[part] ?? []) as readonly unknown[];
    out[part] = list.map((entry) => (typeof entry === 'string' ? { image: entry } : entry));
    out[`num_${part}`] = list.length;
  }
  return out as Datalist;
}

/**
 * The JSON text of a data list in Clara's layout: counts first, then the parts, 4-space indentation and a
 * final newline.
 *
 * @example
 * ```ts
 * await writeFile('config/dataset_0.json', stringifyDatalist(datalist));
 * ```
 */
export function stringifyDatalist(datalist: Datalist, options: { readonly indent?: number | string } = {}): string {
  const { num_training, num_validation, num_testing, training, validation, testing, ...rest } = datalist;
  return `${JSON.stringify({ ...rest, num_training, num_validation, num_testing, training, validation, testing }, null, options.indent ?? 4)}\n`;
}
