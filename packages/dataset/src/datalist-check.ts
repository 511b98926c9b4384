import { appendJsonPointer } from '@medaas/core';
import { typeName } from './json-text.js';
import { SPLIT_PARTS } from './split.js';

// The rules of a data list's shape live here only: `parseDatalist` throws the first problem, and
// `@medaas/mmar` reports every problem as a finding of an MMAR (with its own wording, line and column).

/** What is wrong with one value of a data list. */
export type DatalistProblemCode =
  /** The data list is not a JSON object. */
  | 'NOT_AN_OBJECT'
  /** A list that is required (one a training configuration reads) is absent or not an array; `list` names it. */
  | 'MISSING_LIST'
  /** A part (`training`, `validation`, `testing`) is there but is not an array; `list` names it. */
  | 'NOT_A_LIST'
  /** An entry is neither a path nor an object. */
  | 'INVALID_ENTRY'
  /** An entry's `image` is not a path or a non-empty list of paths. */
  | 'INVALID_IMAGE'
  /** An entry's `label` is neither a path (segmentation) nor a number (classification). */
  | 'INVALID_LABEL'
  /** A `num_*` count disagrees with its list; `list` names the list. */
  | 'COUNT_MISMATCH';

/** One problem of a data list, at the JSON pointer of the offending value. */
export interface DatalistProblem {
  readonly code: DatalistProblemCode;
  /** RFC 6901 pointer of the value (`''` for the whole data list). */
  readonly pointer: string;
  /** The list a `MISSING_LIST`, `NOT_A_LIST` or `COUNT_MISMATCH` is about. */
  readonly list?: string;
  /** What is wrong, in words, e.g. `expected a path or a list of paths but found a number`. */
  readonly message: string;
}

/** An image or label path that an entry names, with where it is written. */
export interface DatalistFile {
  /** RFC 6901 pointer of the path, e.g. `/training/3/label` or `/training/3/image/1`. */
  readonly pointer: string;
  /** The path as written (relative to DATA_ROOT, or absolute). */
  readonly path: string;
  readonly role: 'image' | 'label';
}

/** The check of one entry: its problems and the data files it names (also those of an entry with problems). */
export interface DatalistEntryCheck {
  readonly pointer: string;
  readonly problems: readonly DatalistProblem[];
  readonly files: readonly DatalistFile[];
}

/** Options of {@link checkDatalist}. */
export interface CheckDatalistOptions {
  /**
   * Which lists' entries are checked: the three parts (default; a missing part is an empty one), or every
   * top-level array, since a Clara configuration's `data_list_key` may name any list.
   */
  readonly lists?: 'parts' | 'every-array';
  /** Lists that must be present as arrays, e.g. the `data_list_key`s the configurations read. */
  readonly required?: readonly string[];
  /** Whether `num_<list>` counts must match their lists. Default true. */
  readonly counts?: boolean;
}

/** What {@link checkDatalist} found. */
export interface DatalistCheck {
  /** Every problem, in document order. */
  readonly problems: readonly DatalistProblem[];
  /** Every entry of the checked lists, in document order, with its own problems and files. */
  readonly entries: readonly DatalistEntryCheck[];
  /** The number of names of the `labels` map (`{ "0": "background", "1": "spleen" }`), when there is one. */
  readonly labelCount?: number;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one data list entry: a path, or an object with an `image` path (or list of paths) and an optional
 * `label` path or class number. Other fields are allowed.
 *
 * @example
 * ```ts
 * checkDatalistEntry({ image: 'imagesTr/a.nii.gz', label: 3.5 }, '/training/0').problems; // []
 * checkDatalistEntry({ label: 'l.nii.gz' }, '/training/1').problems[0]?.pointer; // '/training/1/image'
 * ```
 */
export function checkDatalistEntry(entry: unknown, pointer: string): DatalistEntryCheck {
  const problems: DatalistProblem[] = [];
  const files: DatalistFile[] = [];
  if (typeof entry === 'string' && entry !== '') files.push({ pointer, path: entry, role: 'image' });
  else if (!isRecord(entry)) {
    problems.push({ code: 'INVALID_ENTRY', pointer, message: `expected an object with "image" (or a path) but found ${typeName(entry)}` });
  } else {
    const { image, label } = entry;
    const images: unknown[] = Array.isArray(image) ? image : [image];
    const at = appendJsonPointer(pointer, 'image');
    if (images.length === 0 || images.some((item) => typeof item !== 'string' || item === '')) {
      problems.push({ code: 'INVALID_IMAGE', pointer: at, message: `expected a path or a list of paths but found ${typeName(image)}` });
    }
    images.forEach((item, index) => {
      if (typeof item === 'string' && item !== '')
        files.push({ pointer: Array.isArray(image) ? appendJsonPointer(at, index) : at, path: item, role: 'image' });
    });
    if (typeof label === 'string') {
      if (label !== '') files.push({ pointer: appendJsonPointer(pointer, 'label'), path: label, role: 'label' });
    } else if (label !== undefined && typeof label !== 'number') {
      problems.push({
        code: 'INVALID_LABEL',
        pointer: appendJsonPointer(pointer, 'label'),
        message: `expected a path or a class number but found ${typeName(label)}`,
      });
    }
  }
  return { pointer, problems, files };
}

/**
 * Checks a parsed data list (`dataset_0.json`) without throwing: its shape, every entry of its lists, the
 * lists that must be there, and the `num_*` counts. `parseDatalist` throws the first problem; a validator
 * reports them all.
 *
 * @example
 * ```ts
 * const { problems, entries } = checkDatalist(JSON.parse(text), { lists: 'every-array', required: ['training'] });
 * for (const p of problems) console.warn(`${p.pointer}: ${p.message}`);
 * const paths = entries.flatMap((e) => e.files.map((f) => f.path)); // to check they exist
 * ```
 */
export function checkDatalist(value: unknown, options: CheckDatalistOptions = {}): DatalistCheck {
  if (!isRecord(value)) {
    return { problems: [{ code: 'NOT_AN_OBJECT', pointer: '', message: `expected an object but found ${typeName(value)}` }], entries: [] };
  }
  const problems: DatalistProblem[] = [];
  const entries: DatalistEntryCheck[] = [];
  for (const list of options.required ?? []) {
    if (!Array.isArray(value[list]))
      problems.push({ code: 'MISSING_LIST', pointer: appendJsonPointer('', list), list, message: `has no list "${list}"` });
  }
  const lists: [string, unknown][] =
    options.lists === 'every-array'
      ? Object.entries(value).filter(([, list]) => Array.isArray(list))
      : SPLIT_PARTS.map((part) => [part, value[part] ?? []]);
  for (const [name, list] of lists) {
    const pointer = appendJsonPointer('', name);
    if (!Array.isArray(list)) {
      problems.push({ code: 'NOT_A_LIST', pointer, list: name, message: `expected an array but found ${typeName(list)}` });
      continue;
    }
    list.forEach((entry, index) => {
      const check = checkDatalistEntry(entry, appendJsonPointer(pointer, index));
      entries.push(check);
      problems.push(...check.problems);
    });
    const countKey = `num_${name}`;
    const count = value[countKey];
    if (options.counts !== false && count !== undefined && count !== list.length) {
      problems.push({
        code: 'COUNT_MISMATCH',
        pointer: appendJsonPointer('', countKey),
        list: name,
        message: `says ${JSON.stringify(count)} but "${name}" has ${list.length} entr${list.length === 1 ? 'y' : 'ies'}`,
      });
    }
  }
  const labels = value['labels'];
  return { problems, entries, ...(isRecord(labels) ? { labelCount: Object.keys(labels).length } : {}) };
}

/**
 * Whether a parsed JSON file looks like a data list rather than a configuration: it has lists, and every
 * item of every list is an object with an `image`. A bundle keeps its data list among its configurations,
 * and this tells them apart.
 *
 * @example
 * ```ts
 * looksLikeDatalist({ training: [{ image: 'a.nii.gz', label: 'b.nii.gz' }] }); // true
 * looksLikeDatalist({ train: { handlers: [{ _target_: 'StatsHandler' }] } }); // false
 * ```
 */
export function looksLikeDatalist(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const lists = Object.values(value).filter(Array.isArray);
  return lists.length > 0 && lists.every((list: unknown[]) => list.every((item) => isRecord(item) && 'image' in item));
}
