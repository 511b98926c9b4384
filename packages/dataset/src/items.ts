import { DatasetError } from './errors.js';
import { seededUnit } from './hash.js';

/** How an item is identified: its own text, or the `image` path of a pair. */
export type KeyOf<T> = (item: T) => string;

/**
 * The default key of an item: a string is its own key; an object's key is its `image` path (the first
 * one, for multi-modal lists).
 *
 * @throws {DatasetError} `DATASET_INVALID_ITEM` for anything else.
 */
export function defaultKeyOf(item: unknown): string {
  if (typeof item === 'string' && item !== '') return item;
  if (typeof item === 'object' && item !== null) {
    const image = (item as { image?: unknown }).image;
    const first = Array.isArray(image) ? image[0] : image;
    if (typeof first === 'string' && first !== '') return first;
  }
  throw new DatasetError(
    'DATASET_INVALID_ITEM',
    `cannot tell which case ${JSON.stringify(item) ?? String(item)} is: give a string, an object with "image", or keyOf`,
    {
      details: { item: typeof item === 'object' ? '[object]' : String(item) },
    },
  );
}

/** A unit that is never split: a group (patient), or one item when there is no grouping. */
export interface Unit<T> {
  readonly key: string;
  readonly items: T[];
  /** Position in the seeded order. */
  readonly rank: number;
}

/** Groups items into units, checking keys are unique, and orders them by size then seeded hash. */
export function unitsOf<T>(items: readonly T[], seed: number | string, keyOf: KeyOf<T>, groupBy: KeyOf<T> | undefined): Unit<T>[] {
  const seen = new Set<string>();
  const units = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) throw new DatasetError('DATASET_DUPLICATE_ITEM', `${key} is listed twice`, { details: { key } });
    seen.add(key);
    const unit = groupBy ? groupBy(item) : key;
    const members = units.get(unit);
    if (members) members.push(item);
    else units.set(unit, [item]);
  }
  // Sorting by size first lets big groups go where there is room while the parts are still empty;
  // the hash then decides among equals, so input order never matters.
  return [...units]
    .map(([key, members]) => ({ key, items: members.sort((a, b) => compareKeys(keyOf(a), keyOf(b))), rank: seededUnit(seed, key) }))
    .sort((a, b) => b.items.length - a.items.length || a.rank - b.rank || compareKeys(a.key, b.key));
}

/** Plain code-unit order, the same in every locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
