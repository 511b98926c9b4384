import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { deidentify } from '../deidentify.js';
import { DicomError } from '../dicom/dicom-error.js';
import { assembleSeries, type DicomWarning } from '../dicom/dicom-series.js';
import { parseAll, summarise, type DicomSeriesSummary } from '../dicom/convert.js';
import { looksLikeDicom } from '../dicom/dicom-slice.js';
import { resample } from '../resample.js';
import type { Volume } from '../volume.js';
import { writeNiftiFile } from './write-file.js';

/** Options of {@link convertDicomFolder}, the SDK's `medl-dataconvert -d DIR -o OUT` (`-r`, `-s`, `-e`, `-l`). */
export interface ConvertDicomFolderOptions {
  /** Resample every series to this isotropic voxel size in mm (`-r 1`). Default: keep the acquired grid. */
  readonly resampleMm?: number;
  /** The series are label maps: resample with nearest neighbour (`-l`). Default false (linear). */
  readonly labels?: boolean;
  /** Only files whose names end with this suffix (`-s .dcm`). Default: every file, DICOM recognised by content. */
  readonly suffix?: string;
  /** Output extension (`-e`): `.nii.gz` (default) or `.nii`. */
  readonly extension?: '.nii' | '.nii.gz';
  /** Look into sub-folders. Default true. */
  readonly recursive?: boolean;
  /** Cancels between files and series; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports `phase: 'dicom-parse'` (files), `'dicom-pixels'` (slices), `'resample'` and `'encode'` per series. */
  readonly onProgress?: ProgressCallback | undefined;
}

/** One series written by {@link convertDicomFolder}. */
export interface ConvertedSeries extends Omit<DicomSeriesSummary, 'files'> {
  /** The NIfTI file written, named from the series number and modality only (never from patient data). */
  readonly output: string;
  readonly dims: readonly number[];
  readonly warnings: readonly DicomWarning[];
}

/**
 * Finds every DICOM series under `dir` (kept apart by Series Instance UID), converts each to NIfTI,
 * optionally resamples it to isotropic voxels, and writes it de-identified and atomically to `outDir` as
 * `series_<number>_<modality>.nii.gz` (creating `outDir` if needed). Files that are not DICOM (a README, a
 * DICOMDIR) are skipped.
 *
 * @throws {DicomError} `DICOM_NO_IMAGES` when the folder holds no DICOM image, `DICOM_IO` when it cannot be
 *   read, and every error of `convertDicomSeries` (naming the file); or `signal.reason` when aborted.
 * @example
 * ```ts
 * const written = await convertDicomFolder('/import/case_17', '/outbox/case_17', { resampleMm: 1 });
 * ```
 */
export async function convertDicomFolder(dir: string, outDir: string, options: ConvertDicomFolderOptions = {}): Promise<ConvertedSeries[]> {
  const { signal } = options;
  const paths = await listFiles(dir, options.recursive ?? true, options.suffix);
  const inputs = [];
  for (const path of paths) {
    throwIfAborted(signal);
    const bytes = new Uint8Array(await readFile(path).catch((error: unknown) => {
      throw new DicomError('DICOM_IO', `cannot read ${path}: ${(error as Error).message}`, { details: { path }, cause: error });
    }));
    if (looksLikeDicom(bytes)) inputs.push({ name: relative(dir, path) || path, bytes });
  }
  const groups = await parseAll(inputs, options);
  if (groups.size === 0) throw new DicomError('DICOM_NO_IMAGES', `no DICOM images in ${dir} (${paths.length} files looked at)`, { details: { dir, files: paths.length } });
  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw new DicomError('DICOM_IO', `cannot create ${outDir}: ${(error as Error).message}`, { details: { outDir }, cause: error });
  });
  const results: ConvertedSeries[] = [];
  const usedNames = new Set<string>();
  const ordered = [...groups.values()].sort((a, b) => (a[0]!.seriesNumber ?? 0) - (b[0]!.seriesNumber ?? 0));
  for (const [index, slices] of ordered.entries()) {
    throwIfAborted(signal);
    const { files: _files, ...summary } = summarise(slices);
    const assembled = assembleSeries(slices, { onProgress: options.onProgress });
    let volume: Volume = deidentify(assembled);
    if (options.resampleMm !== undefined) {
      volume = await resample(volume, { spacingMm: options.resampleMm }, { interpolation: options.labels ? 'nearest' : 'linear', signal, onProgress: options.onProgress });
    }
    const output = join(outDir, outputName(summary.seriesNumber ?? index + 1, summary.modality, options.extension ?? '.nii.gz', usedNames));
    await writeNiftiFile(output, volume, { signal, onProgress: options.onProgress });
    results.push({ ...summary, output, dims: volume.dims, warnings: assembled.warnings });
  }
  return results;
}

/** `series_007_MR.nii.gz`: a number and a modality code, nothing a person could be identified by. */
function outputName(number: number, modality: string, extension: string, used: Set<string>): string {
  const code = modality.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase() || 'OT';
  let name = `series_${String(number).padStart(3, '0')}_${code}`;
  for (let n = 2; used.has(name); n += 1) name = `series_${String(number).padStart(3, '0')}_${code}_${n}`;
  used.add(name);
  return `${name}${extension}`;
}

async function listFiles(dir: string, recursive: boolean, suffix: string | undefined): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DicomError('DICOM_IO', `cannot read folder ${dir}: ${(error as Error).message}`, { details: { dir }, cause: error });
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && recursive) out.push(...(await listFiles(path, recursive, suffix)));
    else if ((entry.isFile() || (entry.isSymbolicLink() && (await stat(path)).isFile())) && (!suffix || entry.name.endsWith(suffix))) out.push(path);
  }
  return out;
}
