import { isMedaasError } from '@medaas/core';
import { checkDatalist, type DatalistProblem, type DatalistProblemCode } from '@medaas/dataset';
import type { FindingList } from './findings.js';
import { parseJsonSyntax, toJsonValue } from './json-syntax.js';
import type { MmarFiles } from './mmar-files.js';
import { mmarText } from './mmar-files.js';

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

const MESSAGES: Readonly<Partial<Record<DatalistProblemCode, string>>> = {
  NOT_AN_OBJECT: 'a data list is a JSON object of lists',
  INVALID_ENTRY: 'an entry is an object with "image" (and "label") or a path',
  INVALID_IMAGE: 'an entry needs an "image" path (or a list of paths)',
  INVALID_LABEL: 'a "label" is a path (segmentation) or a number (classification)',
};

/**
 * Checks a data list: that it exists, parses, has the lists the datasets read, and that every image and
 * label exists under the data root. The rules of the data list itself are `@medaas/dataset`'s; this adds
 * where the MMAR references it and where the data is. Returns the number of classes of its `labels` map,
 * if it has one.
 */
export function checkReferencedDatalist(
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
      findings.add({
        severity: 'error',
        code: 'MMAR_DATASET_JSON_MISSING',
        file: reference.file,
        pointer: reference.pointer,
        message: `the data list ${reference.path} does not exist`,
      });
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
  // Clara reads whichever list a dataset's data_list_key names, so every list is checked; the counts
  // (num_training...) are not read by Clara and are left alone.
  const check = checkDatalist(value, { lists: 'every-array', required: reference.keys.map((use) => use.key), counts: false });
  const invalid = (pointer: string, problem: DatalistProblem): void => {
    findings.add({ severity: 'error', code: 'MMAR_INVALID_DATALIST', file, pointer, message: MESSAGES[problem.code] ?? problem.message });
  };
  const [first] = check.problems;
  if (first?.code === 'NOT_AN_OBJECT') {
    invalid('', first);
    return undefined;
  }
  const missing = new Set(check.problems.filter((p) => p.code === 'MISSING_LIST').map((p) => p.list));
  for (const use of reference.keys) {
    if (missing.has(use.key)) {
      findings.add({
        severity: 'error',
        code: 'MMAR_INVALID_DATALIST',
        file: use.file,
        pointer: use.pointer,
        message: `the data list ${file} has no list "${use.key}"`,
      });
    }
  }
  for (const entry of check.entries) {
    for (const problem of entry.problems) invalid(problem.pointer, problem);
    if (!access.fileExists) continue;
    for (const { pointer, path } of entry.files) {
      const full = joinPosix(dataRoot ?? '', path);
      if (!access.fileExists(full)) {
        findings.add({
          severity: 'error',
          code: 'MMAR_DATA_FILE_MISSING',
          file,
          pointer,
          message: `${path} does not exist (looked for ${full})`,
        });
      }
    }
  }
  return check.labelCount === undefined ? undefined : { file, count: check.labelCount };
}
