import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { throwIfAborted, type CallOptions } from '@medaas/core';
import { parseDatalist, stringifyDatalist, type Datalist } from '../datalist.js';
import { DatasetError } from '../errors.js';

/** Options of {@link writeDatalist}. */
export interface WriteDatalistOptions extends CallOptions {
  /** JSON indentation. Default 4, as Clara's data lists. */
  readonly indent?: number | string;
}

/**
 * Writes a data list as JSON, atomically: the text goes to a temporary file in the same folder, renamed to
 * `path` only when complete, so a training job never reads half a data list. The data list is checked
 * first (counts match lists, entries have images).
 *
 * @throws {DatasetError} `DATASET_INVALID_DATALIST` for an inconsistent data list, `DATASET_IO` when the file
 *   cannot be written (nothing is left behind); or the signal's reason when aborted.
 * @example
 * ```ts
 * import { writeDatalist } from '@medaas/dataset/node';
 * await writeDatalist('/mmars/spleen/config/dataset_0.json', toDatalist(split));
 * ```
 */
export async function writeDatalist(path: string, datalist: Datalist, options: WriteDatalistOptions = {}): Promise<void> {
  throwIfAborted(options.signal);
  const text = stringifyDatalist(parseDatalist(datalist, { file: path }), options.indent === undefined ? {} : { indent: options.indent });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await writeFile(temporary, text, { flag: 'wx', flush: true, ...(options.signal ? { signal: options.signal } : {}) });
    throwIfAborted(options.signal);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError('DATASET_IO', `cannot write ${path}: ${reason}`, { details: { path }, cause: error });
  }
}

/**
 * Reads and checks a data list file.
 *
 * @throws {DatasetError} `DATASET_IO` when the file cannot be read; `DATASET_INVALID_JSON` (line, column) and
 *   `DATASET_INVALID_DATALIST` (JSON pointer) as for `parseDatalist`.
 * @example
 * ```ts
 * const previous = await readDatalist('/mmars/spleen/config/dataset_0.json');
 * ```
 */
export async function readDatalist(path: string, options: CallOptions = {}): Promise<Datalist> {
  throwIfAborted(options.signal);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError('DATASET_IO', `cannot read ${path}: ${reason}`, { details: { path }, cause: error });
  }
  return parseDatalist(text, { file: path });
}
