import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { throwIfAborted, withCallScope, type CallOptions } from '@medaas/core';
import { MmarError } from '../errors.js';
import { mmarFilesOf, type MmarInput } from '../mmar-archive.js';
import { assertMmarPath } from '../mmar-files.js';

/**
 * Writes a file atomically: the bytes go to a temporary name in the same folder (same file system, so the
 * rename is atomic), which replaces `path` only when complete. A crash leaves the old file or the new one,
 * never a partial file under the final name.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: { readonly mode?: number; readonly signal?: AbortSignal } = {},
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await writeFile(temporary, content, { flag: 'wx', flush: true, ...(options.signal ? { signal: options.signal } : {}) });
    if (options.mode !== undefined) await chmod(temporary, options.mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Writes an MMAR into a folder, creating sub-folders as needed. Each file is written atomically; command
 * scripts (`commands/*.sh`) are made executable. Files of the folder that are not in `files` are left alone.
 * Every path is checked first, so nothing is written when one would land outside `dir`.
 *
 * @param dir - the MMAR root.
 * @param mmar - the archive `readMmar` returned (edited or not), or files by MMAR-relative POSIX path. An
 *   unedited archive is written back byte for byte.
 * @throws {MmarError} `MMAR_UNSAFE_PATH` for an absolute path or one with `..`; `MMAR_IO` when a file cannot
 *   be written; or the signal's reason when aborted.
 * @example
 * ```ts
 * import { readMmar, writeMmar } from '@medaas/mmar/node';
 * const archive = await readMmar(dir);
 * await writeMmar(dir, setLabels(archive, ['liver', 'tumor']));
 * ```
 */
export async function writeMmar(dir: string, mmar: MmarInput, options: CallOptions = {}): Promise<void> {
  const files = mmarFilesOf(mmar);
  const paths = Object.keys(files).sort();
  for (const path of paths) assertMmarPath(path);
  await withCallScope('writeMmar', options, async (signal) => {
    for (const path of paths) {
      throwIfAborted(signal);
      const target = join(dir, ...path.split('/'));
      const content = files[path] as string | Uint8Array;
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFileAtomic(target, content, { signal, ...(/^commands\/.*\.sh$/.test(path) ? { mode: 0o755 } : {}) });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const reason = error instanceof Error ? error.message : String(error);
        throw new MmarError('MMAR_IO', `cannot write ${target}: ${reason}`, { details: { dir, file: path }, cause: error });
      }
    }
  });
}
