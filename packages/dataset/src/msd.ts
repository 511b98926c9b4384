import { formatJsonPointer } from '@medaas/core';
import { DatasetError } from './errors.js';
import { invalid, parseJsonText, typeName } from './json-text.js';
import { resolveDataPath } from './paths.js';

/** A Medical Segmentation Decathlon `dataset.json`: task metadata, training pairs and test images. */
export interface MsdDataset {
  readonly name: string;
  readonly description?: string;
  readonly reference?: string;
  readonly licence?: string;
  readonly release?: string;
  readonly tensorImageSize?: string;
  /** Channel index to modality, e.g. `{ "0": "CT" }`. */
  readonly modality: Readonly<Record<string, string>>;
  /** Label value to name, background included, e.g. `{ "0": "background", "1": "spleen" }`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly numTraining: number;
  readonly numTest: number;
  /** Pairs with `./`-prefixed paths relative to the task folder, as MSD writes them. */
  readonly training: readonly { readonly image: string; readonly label: string }[];
  readonly test: readonly string[];
  readonly [field: string]: unknown;
}

function checkNameMap(value: unknown, file: string, key: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(file, formatJsonPointer([key]), `expected an object but found ${typeName(value)}`);
  for (const [k, name] of Object.entries(value)) {
    if (typeof name !== 'string') invalid(file, formatJsonPointer([key, k]), `expected a string but found ${typeName(name)}`);
  }
}

/**
 * Reads an MSD `dataset.json` (text or parsed JSON), checking its shape and counts.
 *
 * @throws {DatasetError} `DATASET_INVALID_JSON` with line and column; `DATASET_INVALID_DATALIST` with the
 *   JSON pointer of a wrong type or a `numTraining` / `numTest` that disagrees with its list.
 * @example
 * ```ts
 * const task = parseMsdDataset(await readFile('Task09_Spleen/dataset.json', 'utf8'));
 * const pairs = task.training.map((p) => ({ image: p.image.slice(2), label: p.label.slice(2) }));
 * ```
 */
export function parseMsdDataset(json: unknown, options: { readonly file?: string } = {}): MsdDataset {
  const file = options.file ?? 'dataset.json';
  const value = typeof json === 'string' ? parseJsonText(json, file) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(file, '', `expected an object but found ${typeName(value)}`);
  const record = value as Record<string, unknown>;
  if (typeof record['name'] !== 'string') invalid(file, '/name', `expected a string but found ${typeName(record['name'])}`);
  checkNameMap(record['modality'], file, 'modality');
  checkNameMap(record['labels'], file, 'labels');
  const training = record['training'];
  if (!Array.isArray(training)) invalid(file, '/training', `expected an array but found ${typeName(training)}`);
  training.forEach((pair, i) => {
    if (typeof pair !== 'object' || pair === null)
      invalid(file, formatJsonPointer(['training', i]), `expected an object but found ${typeName(pair)}`);
    for (const key of ['image', 'label']) {
      const path = (pair as Record<string, unknown>)[key];
      if (typeof path !== 'string' || path === '')
        invalid(file, formatJsonPointer(['training', i, key]), `expected a path but found ${typeName(path)}`);
    }
  });
  const test = record['test'] ?? [];
  if (!Array.isArray(test)) invalid(file, '/test', `expected an array but found ${typeName(test)}`);
  test.forEach((path, i) => {
    if (typeof path !== 'string' || path === '')
      invalid(file, formatJsonPointer(['test', i]), `expected a path but found ${typeName(path)}`);
  });
  for (const [key, list] of [
    ['numTraining', training],
    ['numTest', test],
  ] as const) {
    if (record[key] !== undefined && record[key] !== list.length)
      invalid(file, formatJsonPointer([key]), `says ${JSON.stringify(record[key])} but the list has ${list.length}`);
  }
  return { ...record, test, numTraining: training.length, numTest: test.length } as unknown as MsdDataset;
}

/** The metadata of an MSD task, for {@link toMsdDataset}. */
export interface MsdTaskInfo {
  readonly name: string;
  readonly description?: string;
  readonly reference?: string;
  readonly licence?: string;
  readonly release?: string;
  readonly tensorImageSize?: string;
  readonly modality: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Builds an MSD `dataset.json` from training pairs and test images, with `./`-prefixed paths relative to
 * the task folder as the Decathlon writes them.
 *
 * @throws {DatasetError} `DATASET_EMPTY` without training pairs; `DATASET_PATH_ESCAPES_ROOT` for a path
 *   outside the task folder (`dataRoot`).
 * @example
 * ```ts
 * const json = toMsdDataset({ training: pairs, test: [] }, { name: 'Spleen', modality: { 0: 'CT' }, labels: { 0: 'background', 1: 'spleen' } });
 * ```
 */
export function toMsdDataset(
  cases: { readonly training: readonly { readonly image: string; readonly label: string }[]; readonly test?: readonly string[] },
  info: MsdTaskInfo & { readonly dataRoot?: string },
): MsdDataset {
  if (cases.training.length === 0) throw new DatasetError('DATASET_EMPTY', 'an MSD dataset needs training pairs', { details: {} });
  const { dataRoot, ...meta } = info;
  const path = (p: string): string => `./${resolveDataPath(p, dataRoot === undefined ? {} : { dataRoot })}`;
  const test = (cases.test ?? []).map(path);
  return {
    ...meta,
    numTraining: cases.training.length,
    numTest: test.length,
    training: cases.training.map((pair) => ({ image: path(pair.image), label: path(pair.label) })),
    test,
  };
}
