import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { throwIfAborted } from '@medaas/core';
import type { Volume } from '@medaas/nifti-io';
import type { DicomInput } from '../convert.js';
import { DicomError } from '../dicom-error.js';
import { writeDicomSeg, type WriteDicomSegOptions } from '../seg/seg-write.js';

/**
 * Writes a label mask as a DICOM Segmentation file (see `writeDicomSeg`), atomically: the bytes go to a
 * temporary file beside `path`, are flushed to disk (fsync) and renamed to `path` only when complete, so
 * no reader ever sees a partial SEG under the final name, and a refused mask leaves no file at all.
 *
 * @throws {DicomError} every code of `writeDicomSeg` (nothing is written then); `DICOM_IO` when the
 *   file cannot be written; or `signal.reason` when aborted. In every case no file is left behind.
 * @example
 * ```ts
 * import { writeDicomSegFile } from '@medaas/dicom/node';
 * await writeDicomSegFile('/data/out/seg.dcm', mask, files, { segments: [{ label: 1, name: 'Liver' }] });
 * ```
 */
export async function writeDicomSegFile(
  path: string,
  mask: Volume,
  source: readonly DicomInput[],
  options: WriteDicomSegOptions = {},
): Promise<void> {
  const bytes = await writeDicomSeg(mask, source, options);
  throwIfAborted(options.signal);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes, options.signal ? { signal: options.signal } : {});
      await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(options.signal);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DicomError('DICOM_IO', `cannot write ${path}: ${reason}`, { details: { path }, cause: error });
  }
}
