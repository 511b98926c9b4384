import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { throwIfAborted, withCallScope, type CallOptions } from '@medaas/core';
import { MmarError } from '../../errors.js';
import { writeFileAtomic } from '../../node/write-mmar.js';
import type { Bundle } from '../bundle.js';
import { assertBundlePath, type BundleFiles } from '../bundle-files.js';

/**
 * Writes a bundle into a folder, creating sub-folders as needed; each file is written atomically (a
 * temporary file renamed over the final name), so a crash leaves the old file or the new one. Files of the
 * folder that are not in the bundle are left alone. Every path is checked first: nothing is written when
 * one would land outside `dir`. An unedited bundle is written back byte for byte.
 *
 * @throws {MmarError} `MMAR_UNSAFE_PATH` for an absolute path or one with `..`; `MMAR_IO` when a file cannot be
 *   written; or the signal's reason when aborted.
 * @example
 * ```ts
 * import { readBundle, writeBundle } from '@medaas/mmar/bundle/node';
 * import { setBundleEpochs } from '@medaas/mmar/bundle';
 * await writeBundle(dir, setBundleEpochs(await readBundle(dir), 20));
 * ```
 */
export async function writeBundle(dir: string, bundle: Bundle | BundleFiles, options: CallOptions = {}): Promise<void> {
  const files: BundleFiles = 'configs' in bundle && bundle.configs instanceof Map ? (bundle as Bundle).files : (bundle as BundleFiles);
  const paths = Object.keys(files).sort();
  for (const path of paths) assertBundlePath(path);
  await withCallScope('writeBundle', options, async (signal) => {
    for (const path of paths) {
      throwIfAborted(signal);
      const target = join(dir, ...path.split('/'));
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFileAtomic(target, files[path] as string | Uint8Array, { signal });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new MmarError('MMAR_IO', `cannot write ${target}: ${error instanceof Error ? error.message : String(error)}`, {
          details: { dir, file: path },
          cause: error,
        });
      }
    }
  });
}
