import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { throwIfAborted } from '@medaas/core';
import { DicomError } from '../dicom-error.js';
import { looksLikeDicom } from '../dicom-slice.js';
import { deidentifyDicom, type DeidentifyDicomOptions } from '../deidentify/deidentify-dicom.js';
import type { DeidentificationReport } from '../deidentify/deidentification-report.js';
import type { UidMap } from '../deidentify/uid-map.js';

/** Options of {@link deidentifyDicomFolder}: those of `deidentifyDicom`, plus the folder walk. */
export interface DeidentifyDicomFolderOptions extends DeidentifyDicomOptions {
  /** Look into sub-folders. Default true. */
  readonly recursive?: boolean;
}

/** What {@link deidentifyDicomFolder} wrote. */
export interface DeidentifiedFolder {
  /** Each source file (relative to the input folder) and the file written for it (relative to `outDir`). */
  readonly files: readonly { readonly source: string; readonly output: string }[];
  readonly report: DeidentificationReport;
  /** Re-identifies the outputs: keep it at the hospital, never in `outDir` or with the data. */
  readonly uidMap: UidMap;
}

/**
 * De-identifies every DICOM file under `inDir` (recognised by content; other files skipped) and writes
 * the results to `outDir` all at once: into a sibling temporary folder first, renamed to `outDir` only
 * when every file is written, so `outDir` never holds a partial set. `outDir` must not exist or be empty.
 *
 * @throws {DicomError} `DICOM_IO` (unreadable input, non-empty `outDir`, write failure), `DICOM_NO_IMAGES`
 *   (no DICOM file), and every error of `deidentifyDicom`; or `signal.reason` when aborted. Nothing is
 *   left under `outDir` on failure.
 * @example
 * ```ts
 * const { report, uidMap } = await deidentifyDicomFolder('/import/case_17', '/outbox/case_17', { retainLongitudinalDates: { shiftDays: -41 } });
 * await writeFile('/secure/case_17.uidmap.json', JSON.stringify(uidMap.toJSON()));
 * ```
 */
export async function deidentifyDicomFolder(
  inDir: string,
  outDir: string,
  options: DeidentifyDicomFolderOptions = {},
): Promise<DeidentifiedFolder> {
  const { signal } = options;
  throwIfAborted(signal);
  const paths = await listFiles(inDir, options.recursive ?? true);
  const inputs = [];
  for (const path of paths) {
    throwIfAborted(signal);
    const bytes = new Uint8Array(
      await readFile(path, { signal }).catch((error: unknown) => {
        if (signal?.aborted) throw signal.reason;
        throw ioError(`cannot read ${path}`, error, { path });
      }),
    );
    if (looksLikeDicom(bytes)) inputs.push({ name: relative(inDir, path), bytes });
  }
  if (inputs.length === 0)
    throw new DicomError('DICOM_NO_IMAGES', `no DICOM files in ${inDir} (${paths.length} files looked at)`, {
      details: { dir: inDir, files: paths.length },
    });
  await checkOutDir(outDir);
  const result = await deidentifyDicom(inputs, options);
  const temp = join(dirname(outDir), `.${basename(outDir)}.partial-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
  try {
    await mkdir(temp, { recursive: true });
    for (const instance of result.instances) {
      throwIfAborted(signal);
      await writeFile(join(temp, instance.name), instance.bytes, { signal });
    }
    throwIfAborted(signal);
    await rmdir(outDir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    await rename(temp, outDir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (signal?.aborted) throw signal.reason;
    if (error instanceof DicomError) throw error;
    throw ioError(`cannot write the de-identified files to ${outDir}`, error, { outDir });
  }
  return { files: result.instances.map((i) => ({ source: i.source, output: i.name })), report: result.report, uidMap: result.uidMap };
}

function ioError(message: string, cause: unknown, details: Record<string, unknown>): DicomError {
  return new DicomError('DICOM_IO', `${message}: ${(cause as Error).message}`, { details, cause });
}

async function checkOutDir(outDir: string): Promise<void> {
  try {
    const entries = await readdir(outDir);
    if (entries.length > 0)
      throw new DicomError('DICOM_IO', `${outDir} is not empty: de-identified files go to a new or empty folder`, { details: { outDir } });
  } catch (error) {
    if (error instanceof DicomError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot read ${outDir}`, error, { outDir });
  }
}

async function listFiles(dir: string, recursive: boolean): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? e.path, e.name))
      .sort();
  } catch (error) {
    throw ioError(`cannot read folder ${dir}`, error, { dir });
  }
}
