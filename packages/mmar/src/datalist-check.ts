import type { FindingList } from './findings.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import { isMedaasError } from '@medaas/core';
import type { MmarFiles } from './mmar-files.js';
import { mmarText } from './mmar-files.js';
import { childPointer } from './shape.js';

/** Where the data files are looked for, and how. */
export interface DataFileAccess {
  /** Overrides `DATA_ROOT` (the cluster path) with where the data is on this machine. */
  readonly dataRoot?: string;
  /** Whether a file exists; without it, data list entries are not checked for existence. */
  readonly fileExists?: (path: string) => boolean;
  /** Reads a data list that lives outside the MMAR (an absolute `DATASET_JSON`). */
  readonly readText?: (path: string) => string | undefined;
}

/** A data list the configurations read, and from where it is referenced. */
export interface DatalistReference {
  readonly path: string;
  readonly file: string;
  readonly pointer: string;
  /** The lists the datasets read (`training`, `validation`), with the pointer of each `data_list_key`. */
  readonly keys: readonly { readonly key: string; readonly file: string; readonly pointer: string }[];
}

/** Joins POSIX paths without `node:path`, so the check runs in browsers too. */
export function joinPosix(base: string, path: string): string {
  if (path.startsWith('/') || base === '') return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^(\.\/)+/, '')}`;
}

function normaliseMmarPath(path: string): string {
  return path.replace(/^(\.\/)+/, '');
}

/**
 * Checks a data list: that it exists, parses, has the lists the datasets read, and that every image and
 * label exists under the data root. Returns the number of classes of its `labels` map, if it has one.
 */
export function checkDatalist(
  files: MmarFiles,
  reference: DatalistReference,
  dataRoot: string | undefined,
  access: DataFileAccess,
  findings: FindingList,
): { readonly file: string; readonly count: number } | undefined {
  const inMmar = !reference.path.startsWith('/');
  const text = inMmar ? mmarText(files, normaliseMmarPath(reference.path)) : access.readText?.(reference.path);
  const file = inMmar ? normaliseMmarPath(reference.path) : reference.path;
  if (text === undefined) {
    if (inMmar || access.fileExists?.(reference.path) === false || access.readText) {
      findings.add({ severity: 'error', code: 'MMAR_DATASET_JSON_MISSING', file: reference.file, pointer: reference.pointer, message: `the data list ${reference.path} does not exist` });
    }
    return undefined;
  }
  let value: unknown;
  try {
    const root = parseJsonSyntax(text, file);
    findings.addSource(file, text, root);
    value = toJsonValue(root);
  } catch (error) {
    if (!isMedaasError(error, 'MMAR_INVALID_JSON')) throw error;
    const { line, column } = error.details as { line: number; column: number };
    findings.issues.push({ severity: 'error', code: 'MMAR_INVALID_JSON', file, pointer: '', message: error.message, line, column });
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file, pointer: '', message: 'a data list is a JSON object of lists' });
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const use of reference.keys) {
    if (!Array.isArray(record[use.key])) {
      findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file: use.file, pointer: use.pointer, message: `the data list ${file} has no list "${use.key}"` });
    }
  }
  for (const [key, list] of Object.entries(record)) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => checkEntry(entry, childPointer(childPointer('', key), index), file, dataRoot, access, findings));
  }
  const labels = record['labels'];
  if (typeof labels === 'object' && labels !== null && !Array.isArray(labels)) return { file, count: Object.keys(labels).length };
  return undefined;
}

function checkEntry(entry: unknown, pointer: string, file: string, dataRoot: string | undefined, access: DataFileAccess, findings: FindingList): void {
  const paths: [string, string][] = [];
  if (typeof entry === 'string') paths.push([pointer, entry]);
  else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const { image, label } = entry as { image?: unknown; label?: unknown };
    const images = Array.isArray(image) ? image : [image];
    if (images.length === 0 || images.some((item) => typeof item !== 'string' || item === '')) {
      findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file, pointer: childPointer(pointer, 'image'), message: 'an entry needs an "image" path (or a list of paths)' });
    }
    images.forEach((item, i) => typeof item === 'string' && paths.push([Array.isArray(image) ? childPointer(childPointer(pointer, 'image'), i) : childPointer(pointer, 'image'), item]));
    if (label !== undefined) {
      if (typeof label === 'string') paths.push([childPointer(pointer, 'label'), label]);
      else if (typeof label !== 'number') findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file, pointer: childPointer(pointer, 'label'), message: 'a "label" is a path (segmentation) or a number (classification)' });
    }
  } else {
    findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file, pointer, message: 'an entry is an object with "image" (and "label") or a path' });
  }
  if (!access.fileExists) return;
  for (const [at, path] of paths) {
    const full = joinPosix(dataRoot ?? '', path);
    if (path !== '' && !access.fileExists(full)) {
      findings.add({ severity: 'error', code: 'MMAR_DATA_FILE_MISSING', file, pointer: at, message: `${path} does not exist (looked for ${full})` });
    }
  }
}
