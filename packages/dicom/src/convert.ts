import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { DEFAULT_MAX_BYTES } from '@medaas/nifti-io';
import { DicomError } from './dicom-error.js';
import { assembleSeries, type DicomVolume } from './dicom-series.js';
import { parseDicomSlices, type DicomSlice, type SliceReader } from './dicom-slice.js';

/** A DICOM file for the converter: its name (used in messages only) and bytes, or a browser `File`. */
export type DicomInput = { readonly name: string; readonly bytes: Uint8Array } | File;

/** What identifies and sizes a series, and nothing about the patient. */
export interface DicomSeriesSummary {
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number | undefined;
  readonly modality: string;
  /** Image planes (slices or frames) found. */
  readonly sliceCount: number;
  readonly rows: number;
  readonly columns: number;
  /** The files that hold the series' planes, as the caller named them. */
  readonly files: readonly string[];
}

/** Options of {@link convertDicomSeries}. */
export interface ConvertDicomOptions {
  /** Which series to convert when the files hold several. */
  readonly seriesInstanceUid?: string;
  /** Refuse a series with missing slices instead of returning it with a `'gap'` warning. Default false. */
  readonly rejectGaps?: boolean;
  /**
   * Refuse a file or series whose pixels (rows x columns x slices, as stored, or float32 when the
   * slices' scalings differ) exceed this many bytes, before decoding them. Default 4 GiB.
   */
  readonly maxBytes?: number;
  /** Cancels between files; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports `phase: 'dicom-parse'` (files) and `phase: 'dicom-pixels'` (slices). */
  readonly onProgress?: ProgressCallback | undefined;
}

/**
 * Converts the files of one DICOM series to a volume: slices sorted by position along their normal,
 * stored values with Rescale Slope/Intercept as the volume's scaling (float32 when slices differ),
 * enhanced multi-frame files expanded frame by frame, gantry tilt kept as a sheared affine, and the
 * affine in RAS+ millimetres. Gaps come back as warnings on the result. Nothing that identifies the
 * patient is read into the result: see the package README for the attributes read.
 *
 * @throws {DicomError} `DICOM_INVALID_FILE` (names the file), `DICOM_NO_IMAGES`, `DICOM_MIXED_SERIES`
 *   (with `details.series`), `DICOM_INCONSISTENT_SERIES`, `DICOM_DUPLICATE_SLICE`, `DICOM_UNSUPPORTED`,
 *   `DICOM_TOO_LARGE` (pixels beyond `maxBytes`, or compressed 500:1 beyond 64 MiB); or `signal.reason`
 *   when aborted.
 * @example
 * ```ts
 * const files = await Promise.all(paths.map(async (p) => ({ name: p, bytes: await readFile(p) })));
 * const volume = await convertDicomSeries(files);
 * if (volume.warnings.length) console.warn(volume.warnings.map((w) => w.message));
 * ```
 */
export async function convertDicomSeries(files: readonly DicomInput[], options: ConvertDicomOptions = {}): Promise<DicomVolume> {
  return convertSeriesWith(files, options);
}

/** Internal options of the converter (not exported from the package): which header parser to use. */
export interface InternalConvertOptions extends ConvertDicomOptions {
  /** `'daikon'` forces daikon's parser for every file; the default reads the common case without it. */
  readonly reader?: SliceReader | undefined;
}

/**
 * {@link convertDicomSeries} with internal options (the package index does not export it): tests compare
 * the fast header reader with daikon through it.
 *
 * @throws {DicomError} as {@link convertDicomSeries}.
 * @example
 * ```ts
 * const reference = await convertSeriesWith(files, { reader: 'daikon' });
 * ```
 */
export async function convertSeriesWith(files: readonly DicomInput[], options: InternalConvertOptions = {}): Promise<DicomVolume> {
  const groups = await parseAll(files, options);
  const chosen = pickSeries(groups, options.seriesInstanceUid);
  return assembleSeries(chosen, {
    ...(options.rejectGaps ? { rejectGaps: true } : {}),
    maxBytes: options.maxBytes,
    onProgress: options.onProgress,
  });
}

/**
 * Lists the series among DICOM files, kept apart by Series Instance UID, without decoding pixels.
 *
 * @throws {DicomError} `DICOM_INVALID_FILE` for a file that looks like DICOM but cannot be parsed.
 * @example
 * ```ts
 * for (const s of await listDicomSeries(files)) console.log(s.seriesNumber, s.modality, s.sliceCount);
 * ```
 */
export async function listDicomSeries(
  files: readonly DicomInput[],
  options: Pick<ConvertDicomOptions, 'signal'> = {},
): Promise<DicomSeriesSummary[]> {
  return [...(await parseAll(files, options)).values()].map(summarise);
}

/** Groups the planes of all files by Series Instance UID. */
export async function parseAll(
  files: readonly DicomInput[],
  options: Pick<InternalConvertOptions, 'signal' | 'onProgress' | 'maxBytes' | 'reader'> & {
    readonly onBadFile?: ((bad: BadDicomFile) => void) | undefined;
  },
): Promise<Map<string, DicomSlice[]>> {
  const maxBytes = checkedMaxBytes(options.maxBytes);
  const groups = new Map<string, DicomSlice[]>();
  let done = 0;
  for (const input of files) {
    throwIfAborted(options.signal);
    const name = input.name;
    const bytes =
      typeof Blob !== 'undefined' && input instanceof Blob
        ? new Uint8Array(await input.arrayBuffer())
        : (input as { readonly bytes: Uint8Array }).bytes;
    let slices: DicomSlice[];
    try {
      slices = parseDicomSlices(name, bytes, { maxBytes, reader: options.reader });
    } catch (error) {
      if (!options.onBadFile || !(error instanceof DicomError) || !SKIPPABLE.has(error.code)) throw error;
      options.onBadFile({ name, error });
      slices = [];
    }
    for (const slice of slices) {
      const key = slice.seriesInstanceUid || '(no Series Instance UID)';
      // Appended in place: copying the group per plane was quadratic in the planes of a multi-frame file.
      const group = groups.get(key);
      if (group) group.push(slice);
      else groups.set(key, [slice]);
    }
    done += 1;
    options.onProgress?.({ phase: 'dicom-parse', loaded: done, total: files.length });
  }
  return groups;
}

/** A file left out of a conversion that was asked to skip unreadable files, and why. */
export interface BadDicomFile {
  /** The file's name as the caller gave it (relative to the folder for the folder converter). */
  readonly name: string;
  /** `DICOM_INVALID_FILE`, `DICOM_UNSUPPORTED` or `DICOM_TOO_LARGE`, naming the file. */
  readonly error: DicomError;
}

/** Failures of one file that leave the other files convertible. */
const SKIPPABLE = new Set(['DICOM_INVALID_FILE', 'DICOM_UNSUPPORTED', 'DICOM_TOO_LARGE']);

/** `maxBytes`, defaulted and checked. */
function checkedMaxBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `maxBytes must be a positive number, got ${String(value)}`, {
      details: { option: 'maxBytes', value },
    });
  }
  return value;
}

/** The summary of one group of planes. */
export function summarise(slices: readonly DicomSlice[]): DicomSeriesSummary {
  const first = slices[0]!;
  return {
    seriesInstanceUid: first.seriesInstanceUid,
    seriesNumber: first.seriesNumber,
    modality: first.modality,
    sliceCount: slices.length,
    rows: first.rows,
    columns: first.columns,
    files: [...new Set(slices.map((s) => s.file))],
  };
}

function pickSeries(groups: Map<string, DicomSlice[]>, uid: string | undefined): DicomSlice[] {
  if (groups.size === 0) throw new DicomError('DICOM_NO_IMAGES', 'none of the files holds a DICOM image', { details: {} });
  if (uid !== undefined) {
    const chosen = groups.get(uid);
    if (!chosen) {
      throw new DicomError('DICOM_NO_IMAGES', `no series with Series Instance UID ${uid} among the files`, {
        details: { series: [...groups.values()].map(summarise).map(({ files: _f, ...s }) => s) },
      });
    }
    return chosen;
  }
  if (groups.size > 1) {
    const series = [...groups.values()].map(summarise).map(({ files: _f, ...s }) => s);
    throw new DicomError(
      'DICOM_MIXED_SERIES',
      `the files hold ${groups.size} series (${series.map((s) => `#${s.seriesNumber ?? '?'} ${s.modality}, ${s.sliceCount} slices`).join('; ')}): pass seriesInstanceUid to choose one`,
      { details: { series } },
    );
  }
  return [...groups.values()][0]!;
}
