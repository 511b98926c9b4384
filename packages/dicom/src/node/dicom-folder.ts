import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { deidentify, resample, type Volume } from '@medaas/nifti-io';
import { writeNiftiFile } from '@medaas/nifti-io/node';
import { DicomError } from '../dicom-error.js';
import { assembleSeries, type DicomWarning } from '../dicom-series.js';
import { parseAll, summarise, type BadDicomFile, type DicomSeriesSummary } from '../convert.js';
import { looksLikeDicom } from '../dicom-slice.js';

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
  /** Refuse a file or series whose pixels exceed this many bytes, before decoding them. Default 4 GiB. */
  readonly maxBytes?: number;
  /** Look into sub-folders. Default true. */
  readonly recursive?: boolean;
  /**
   * Skip files that cannot be converted (corrupt, truncated, unsupported, too large) instead of failing on the
   * first: each is reported here with its typed error, and the other files are converted. Series-level
   * problems (mixed sizes, duplicate slices) still fail. A skipped slice leaves a `'gap'` warning.
   */
  readonly onBadFile?: ((bad: BadDicomFile) => void) | undefined;
  /**
   * Converts only the series this returns true for (by UID, number or modality); the others are left out
   * before their pixels are decoded. Default: every series. None chosen: `DICOM_SERIES_NOT_FOUND`.
   */
  readonly select?: ((series: Omit<DicomSeriesSummary, 'files'>) => boolean) | undefined;
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
 * DICOMDIR) are skipped; with `onBadFile`, so are DICOM files that cannot be converted, each reported.
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
    const bytes = new Uint8Array(
      await readFile(path).catch((error: unknown) => {
        throw new DicomError('DICOM_IO', `cannot read ${path}: ${(error as Error).message}`, { details: { path }, cause: error });
      }),
    );
    if (looksLikeDicom(bytes)) inputs.push({ name: relative(dir, path) || path, bytes });
  }
  const groups = await parseAll(inputs, options);
  if (groups.size === 0)
    throw new DicomError('DICOM_NO_IMAGES', `no DICOM images in ${dir} (${paths.length} files looked at)`, {
      details: { dir, files: paths.length },
    });
  const results: ConvertedSeries[] = [];
  const usedNames = new Set<string>();
  const sorted = [...groups.values()].sort((a, b) => (a[0]!.seriesNumber ?? 0) - (b[0]!.seriesNumber ?? 0));
  const select = options.select;
  const ordered = select ? sorted.filter((slices) => select(withoutFiles(summarise(slices)))) : sorted;
  if (ordered.length === 0) {
    const found = sorted.map((slices) => withoutFiles(summarise(slices)));
    throw new DicomError(
      'DICOM_SERIES_NOT_FOUND',
      `none of the ${found.length} series in ${dir} was selected (${found.map((s) => `#${s.seriesNumber ?? '?'} ${s.modality}`).join(', ')})`,
      {
        details: {
          dir,
          series: found.map((s) => ({ seriesInstanceUid: s.seriesInstanceUid, seriesNumber: s.seriesNumber, modality: s.modality })),
        },
      },
    );
  }
  // Created only once something will be written into it: a refused run leaves no empty folder behind.
  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw new DicomError('DICOM_IO', `cannot create ${outDir}: ${(error as Error).message}`, { details: { outDir }, cause: error });
  });
  for (const [index, slices] of ordered.entries()) {
    throwIfAborted(signal);
    const { files: _files, ...summary } = summarise(slices);
    const assembled = assembleSeries(slices, { maxBytes: options.maxBytes, onProgress: options.onProgress });
    let volume: Volume = deidentify(assembled);
    if (options.resampleMm !== undefined) {
      volume = await resample(
        volume,
        { spacingMm: options.resampleMm },
        { interpolation: options.labels ? 'nearest' : 'linear', signal, onProgress: options.onProgress },
      );
    }
    const output = join(outDir, outputName(summary.seriesNumber ?? index + 1, summary.modality, options.extension ?? '.nii.gz', usedNames));
    await writeNiftiFile(output, volume, { signal, onProgress: options.onProgress });
    results.push({ ...summary, output, dims: volume.dims, warnings: assembled.warnings });
  }
  return results;
}

function withoutFiles(summary: DicomSeriesSummary): Omit<DicomSeriesSummary, 'files'> {
  const { files: _files, ...rest } = summary;
  return rest;
}

/** `series_007_MR.nii.gz`: a number and a modality code, nothing a person could be identified by. */
function outputName(number: number, modality: string, extension: string, used: Set<string>): string {
  const code =
    modality
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8)
      .toUpperCase() || 'OT';
  let name = `series_${String(number).padStart(3, '0')}_${code}`;
  for (let n = 2; used.has(name); n += 1) name = `series_${String(number).padStart(3, '0')}_${code}_${n}`;
  used.add(name);
  return `${name}${extension}`;
}

/**
 * The files under `dir`, in the order of a recursive walk (entries by name, a folder's files where the
 * folder sorts). Iterative, with a stack of open listings rather than a call per level, and appending one
 * path at a time: spreading a huge folder's listing into `push` overflowed the engine's argument limit.
 */
async function listFiles(dir: string, recursive: boolean, suffix: string | undefined): Promise<string[]> {
  const out: string[] = [];
  const stack: { folder: string; entries: Dirent[]; next: number }[] = [{ folder: dir, entries: await listing(dir), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const entry = top.entries[top.next];
    if (!entry) {
      stack.pop();
      continue;
    }
    top.next += 1;
    const path = join(top.folder, entry.name);
    if (entry.isDirectory() && recursive) stack.push({ folder: path, entries: await listing(path), next: 0 });
    else if ((entry.isFile() || (entry.isSymbolicLink() && (await linksToFile(path)))) && (!suffix || entry.name.endsWith(suffix)))
      out.push(path);
  }
  return out;
}

/** Whether a symbolic link leads to a file; a dangling link is skipped like any other non-file. */
async function linksToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function listing(folder: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    throw new DicomError('DICOM_IO', `cannot read folder ${folder}: ${(error as Error).message}`, {
      details: { dir: folder },
      cause: error,
    });
  }
}
