import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { throwIfAborted, withCallScope, type CallOptions } from '@medaas/core';
import type { ParseConfigOptions } from '../environment.js';
import { MmarError } from '../errors.js';
import { parseMmar, type MmarArchive } from '../mmar-archive.js';
import type { MmarFileContent, MmarFiles } from '../mmar-files.js';
import type { MmarIssue } from '../findings.js';
import { validateMmar } from '../validate.js';

/** Options of {@link readMmarFiles}. */
export interface ReadMmarFilesOptions extends CallOptions {
  /** Which files to read, by MMAR-relative POSIX path. Default: all (models included). */
  readonly include?: (path: string) => boolean;
}

/** Options of {@link readMmar}. */
export interface ReadMmarOptions extends ReadMmarFilesOptions {
  /** Throw `MMAR_INVALID_CONFIG` for values Clara cannot use instead of keeping them as findings. Default false. */
  readonly strict?: ParseConfigOptions['strict'];
}

const TEXT_EXTENSIONS = /\.(json|sh|txt|md|config|cfg|ini|py|yaml|yml|csv|toml|log)$/i;
// Fatal so that a file that is not UTF-8 stays bytes (and round-trips exactly); ignoreBOM keeps a BOM in the text.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(path: string, bytes: Uint8Array): MmarFileContent {
  if (!TEXT_EXTENSIONS.test(path)) return bytes;
  try {
    return decoder.decode(bytes);
  } catch {
    return bytes;
  }
}

async function walk(root: string, prefix: string, out: string[], signal: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  const entries = await readdir(prefix === '' ? root : join(root, prefix), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walk(root, path, out, signal);
    else if (entry.isFile()) out.push(path);
  }
}

/**
 * Reads a whole MMAR folder (config/, commands/, models/, eval/, docs/, resources/, custom/ and anything
 * else in it) into a map from POSIX relative path to content: text for configs, scripts and docs (exact,
 * BOM included), bytes for models and anything that is not UTF-8. Symbolic links are not followed.
 * Nothing is parsed; {@link readMmar} also reads the configurations into the typed model.
 *
 * @throws {MmarError} `MMAR_IO` when the folder or a file cannot be read; or the signal's reason when aborted.
 * @example
 * ```ts
 * import { readMmarFiles } from '@medaas/mmar/node';
 * const files = await readMmarFiles('/mmars/clara_pt_spleen_ct_segmentation', { include: (p) => !p.startsWith('models/') });
 * ```
 */
export async function readMmarFiles(dir: string, options: ReadMmarFilesOptions = {}): Promise<MmarFiles> {
  return withCallScope('readMmarFiles', options, async (signal) => {
    const files: Record<string, MmarFileContent> = {};
    try {
      const paths: string[] = [];
      await walk(dir, '', paths, signal);
      for (const path of paths) {
        if (options.include && !options.include(path)) continue;
        throwIfAborted(signal);
        files[path] = decode(path, new Uint8Array(await readFile(join(dir, path), { signal })));
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const reason = error instanceof Error ? error.message : String(error);
      throw new MmarError('MMAR_IO', `cannot read the MMAR at ${dir}: ${reason}`, { details: { dir }, cause: error });
    }
    return files;
  });
}

/**
 * Reads an MMAR folder into the typed model: every file as it is (so `writeMmar` of the unedited archive
 * writes the same bytes) and every configuration of any Clara generation parsed into its document, with
 * unknown shapes kept and listed in each document's `findings`.
 *
 * @throws {MmarError} `MMAR_IO` when the folder or a file cannot be read; `MMAR_INVALID_JSON` naming the
 *   file, line and column of a configuration that is not JSON (`validateMmarFolder` reports it instead);
 *   or the signal's reason when aborted.
 * @example
 * ```ts
 * import { readMmar } from '@medaas/mmar/node';
 * const archive = await readMmar('/mmars/clara_pt_spleen_ct_segmentation');
 * archive.train?.value.epochs; // 1260
 * archive.generation; // 'clara4'
 * ```
 */
export async function readMmar(dir: string, options: ReadMmarOptions = {}): Promise<MmarArchive> {
  const { strict, ...read } = options;
  return parseMmar(await readMmarFiles(dir, read), strict === undefined ? {} : { strict });
}

/** Options of {@link validateMmarFolder}. */
export interface ValidateMmarFolderOptions extends CallOptions {
  /** Where the data is on this machine, instead of `DATA_ROOT` (relative paths are relative to the MMAR). */
  readonly dataRoot?: string;
  /** Check that every image and label of the data list exists. Default true. */
  readonly checkDataFiles?: boolean;
}

/**
 * Reads an MMAR folder (without `models/` and `eval/`) and validates it, checking the data list and
 * each of its files on disk. Returns the findings of `validateMmar`.
 *
 * @throws {MmarError} `MMAR_IO` when the folder cannot be read; or the signal's reason when aborted.
 * @example
 * ```ts
 * const issues = await validateMmarFolder('/mmars/spleen', { dataRoot: '/data/Task09_Spleen' });
 * if (issues.some((i) => i.severity === 'error')) process.exitCode = 1;
 * ```
 */
export async function validateMmarFolder(dir: string, options: ValidateMmarFolderOptions = {}): Promise<MmarIssue[]> {
  const files = await readMmarFiles(dir, { ...options, include: (path) => !path.startsWith('models/') && !path.startsWith('eval/') });
  const dataRoot =
    options.dataRoot === undefined ? undefined : isAbsolute(options.dataRoot) ? options.dataRoot : resolve(dir, options.dataRoot);
  const readText = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const fileExists = (path: string): boolean => existsSync(isAbsolute(path) ? path : resolve(dir, path));
  return validateMmar(files, {
    readText,
    ...(options.checkDataFiles === false ? {} : { fileExists }),
    ...(dataRoot === undefined ? {} : { dataRoot }),
  });
}
