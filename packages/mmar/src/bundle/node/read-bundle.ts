import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { throwIfAborted, withCallScope, type CallOptions } from '@medaas/core';
import { MmarError } from '../../errors.js';
import type { MmarIssue } from '../../findings.js';
import { parseBundle, type Bundle } from '../bundle.js';
import type { BundleFiles } from '../bundle-files.js';
import { validateBundle, type ValidateBundleOptions } from '../validate-bundle.js';

/** Options of {@link readBundleFiles} and {@link readBundle}. */
export interface ReadBundleOptions extends CallOptions {
  /** Which files to read, by bundle-relative POSIX path. Default: all (models included). */
  readonly include?: (path: string) => boolean;
}

const TEXT = /\.(json|ya?ml|conf|cfg|ini|md|txt|py|sh|csv|toml)$|(^|\/)LICENSE$/i;
// Fatal so that a file that is not UTF-8 stays bytes (and is written back exactly); ignoreBOM keeps a BOM.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(path: string, bytes: Uint8Array): string | Uint8Array {
  if (!TEXT.test(path)) return bytes;
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
 * Reads every file of a bundle folder: text for configurations, docs and `LICENSE` (exact, BOM included),
 * bytes for models and anything that is not UTF-8. Symbolic links are not followed.
 *
 * @throws {MmarError} `MMAR_IO` when the folder or a file cannot be read; or the signal's reason when aborted.
 * @example
 * ```ts
 * const files = await readBundleFiles('/bundles/spleen_ct_segmentation', { include: (p) => !p.startsWith('models/') });
 * ```
 */
export async function readBundleFiles(dir: string, options: ReadBundleOptions = {}): Promise<BundleFiles> {
  return withCallScope('readBundleFiles', options, async (signal) => {
    const files: Record<string, string | Uint8Array> = {};
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
      throw new MmarError('MMAR_IO', `cannot read the bundle at ${dir}: ${error instanceof Error ? error.message : String(error)}`, {
        details: { dir },
        cause: error,
      });
    }
    return files;
  });
}

/**
 * Reads and parses a bundle folder.
 *
 * @throws {MmarError} `MMAR_IO` when the folder cannot be read; `MMAR_INVALID_JSON` / `MMAR_INVALID_YAML` for a
 *   configuration that does not parse; or the signal's reason when aborted.
 * @example
 * ```ts
 * import { readBundle } from '@medaas/mmar/bundle/node';
 * const bundle = await readBundle('/bundles/spleen_ct_segmentation');
 * bundle.metadata?.monaiVersion; // '1.3.0'
 * ```
 */
export async function readBundle(dir: string, options: ReadBundleOptions = {}): Promise<Bundle> {
  return parseBundle(await readBundleFiles(dir, options));
}

/** Options of {@link validateBundleFolder}. */
export interface ValidateBundleFolderOptions extends CallOptions, Pick<ValidateBundleOptions, 'overrides'> {
  /** Check that data paths exist on this machine. Default true. */
  readonly checkDataPaths?: boolean;
}

/**
 * Reads a bundle folder (without `models/`) and validates it, checking data paths on disk; relative data
 * paths are taken relative to the bundle folder, where MONAI runs.
 *
 * @throws {MmarError} `MMAR_IO` when the folder cannot be read; or the signal's reason when aborted.
 * @example
 * ```ts
 * const issues = await validateBundleFolder('/bundles/spleen', { overrides: { dataset_dir: '/data/Task09_Spleen' } });
 * ```
 */
export async function validateBundleFolder(dir: string, options: ValidateBundleFolderOptions = {}): Promise<MmarIssue[]> {
  const files = await readBundleFiles(dir, { ...options, include: (path) => !path.startsWith('models/') });
  const fileExists = (path: string): boolean => existsSync(isAbsolute(path) ? path : resolve(dir, path));
  return validateBundle(files, {
    ...(options.checkDataPaths === false ? {} : { fileExists }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}
