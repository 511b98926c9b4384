import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { flipRasLps, type Mat4, type Vec3 } from '@medaas/nifti-io';
import { convertDicomSeries, type DicomInput } from '../convert.js';
import { DicomError } from '../dicom-error.js';
import { itemsOf, numbers, parseDataset, SEGMENTATION_SOP_CLASS, text } from './seg-dataset.js';
import type { DcmjsNaturalDataset } from 'dcmjs';

/** One image plane of the source series, in the order of the volume's slices. */
export interface SourceFrame {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** 1-based frame number within a multi-frame instance; undefined for single-frame instances. */
  readonly frameNumber: number | undefined;
  /** Image Position (Patient), LPS mm, as the source records it. */
  readonly position: Vec3;
}

/** What the SEG writer and reader need of the source series: its grid, its planes and its identity. */
export interface SourceSeries {
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number | undefined;
  readonly frameOfReferenceUid: string;
  /** The volume grid `convertDicomSeries` gives for the series: dims `[columns, rows, slices]`, RAS+ affine. */
  readonly dims: readonly [number, number, number];
  readonly affine: Mat4;
  /** The same grid in DICOM's LPS+ frame. */
  readonly lps: Mat4;
  /** Planes by slice index k. */
  readonly frames: readonly SourceFrame[];
  /** Every instance of the series once, in slice order. */
  readonly instances: readonly { readonly sopClassUid: string; readonly sopInstanceUid: string }[];
  /** Image Orientation (Patient) of the planes, LPS. */
  readonly orientation: readonly [number, number, number, number, number, number];
  /** Pixel Spacing: [between rows, between columns], mm. */
  readonly pixelSpacing: readonly [number, number];
  /** Slice Thickness of the source, or the slice step when it records none. */
  readonly sliceThicknessMm: number;
  /** The step between slices along their normal, mm. */
  readonly sliceStepMm: number;
  /** The first source instance's header: the patient, study and equipment attributes the SEG copies. */
  readonly header: DcmjsNaturalDataset;
}

/** Options of reading the source series. */
export interface SourceOptions {
  readonly seriesInstanceUid?: string | undefined;
  readonly maxBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressCallback | undefined;
}

/**
 * Reads the source series: its volume grid as {@link convertDicomSeries} builds it (so a mask made on
 * that volume lines up by construction) and, from each instance's header, the UIDs and positions of its
 * planes, sorted along the slice normal exactly as the converter sorts them.
 *
 * @throws {DicomError} every code of `convertDicomSeries`; `DICOM_INVALID_FILE` for an instance
 *   without SOP Instance UID or Frame of Reference UID; `DICOM_INCONSISTENT_SERIES` when the headers'
 *   planes do not line up with the converted grid.
 */
export async function readSourceSeries(source: readonly DicomInput[], options: SourceOptions): Promise<SourceSeries> {
  const headers: { name: string; natural: DcmjsNaturalDataset }[] = [];
  const images: { name: string; bytes: Uint8Array }[] = [];
  for (const input of source) {
    throwIfAborted(options.signal);
    const bytes =
      typeof Blob !== 'undefined' && input instanceof Blob
        ? new Uint8Array(await input.arrayBuffer())
        : (input as { readonly bytes: Uint8Array }).bytes;
    const { natural } = parseDataset(input.name, bytes, true);
    // A Segmentation among the source files (a study folder holds its SEGs too) is not a plane of the series.
    if (text(natural, 'SOPClassUID') === SEGMENTATION_SOP_CLASS) continue;
    images.push({ name: input.name, bytes });
    if (!natural['Rows'] || !natural['Columns']) continue; // DICOMDIR, reports: not planes of the series
    headers.push({ name: input.name, natural });
  }
  const volume = await convertDicomSeries(images, {
    ...(options.seriesInstanceUid === undefined ? {} : { seriesInstanceUid: options.seriesInstanceUid }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const uids = [...new Set(headers.map((h) => text(h.natural, 'SeriesInstanceUID')))];
  // convertDicomSeries has already refused several series without a choice, so one remains here.
  const seriesInstanceUid = options.seriesInstanceUid ?? uids[0] ?? '';
  const mine = headers.filter((h) => text(h.natural, 'SeriesInstanceUID') === seriesInstanceUid);
  const first = mine[0];
  if (!first) throw new DicomError('DICOM_NO_IMAGES', 'none of the source files holds an image of the series', { details: {} });
  const frames: SourceFrame[] = [];
  for (const { name, natural } of mine) frames.push(...framesOf(name, natural));
  const orientation = volumeOrientation(first.name, first.natural);
  const normal = cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
  frames.sort((a, b) => dot(a.position, normal) - dot(b.position, normal));
  const dims: [number, number, number] = [volume.dims[0]!, volume.dims[1]!, volume.dims[2] ?? 1];
  if (frames.length !== dims[2]) {
    throw new DicomError(
      'DICOM_INCONSISTENT_SERIES',
      `the source headers hold ${frames.length} planes, the converted series ${dims[2]} slices`,
      { details: { planes: frames.length, slices: dims[2] } },
    );
  }
  const frameOfReferenceUid = text(first.natural, 'FrameOfReferenceUID');
  if (!frameOfReferenceUid)
    throw new DicomError(
      'DICOM_INVALID_FILE',
      `${first.name}: the source image has no Frame of Reference UID, which a Segmentation must share`,
      { details: { file: first.name } },
    );
  const spacing = numbers(first.natural, 'PixelSpacing') ?? pixelMeasure(first.natural, 'PixelSpacing') ?? [1, 1];
  const lps = flipRasLps(volume.affine);
  const stepVector: Vec3 = [lps[0][2], lps[1][2], lps[2][2]];
  const sliceStepMm = Math.abs(dot(stepVector, normal)) || 1;
  const thickness = numbers(first.natural, 'SliceThickness')?.[0] ?? pixelMeasure(first.natural, 'SliceThickness')?.[0];
  const instances = [
    ...new Map(frames.map((f) => [f.sopInstanceUid, { sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid }])).values(),
  ];
  return {
    seriesInstanceUid,
    seriesNumber: numbers(first.natural, 'SeriesNumber')?.[0],
    frameOfReferenceUid,
    dims,
    affine: volume.affine,
    lps,
    frames,
    instances,
    orientation,
    pixelSpacing: [spacing[0]!, spacing[1]!],
    sliceThicknessMm: thickness !== undefined && thickness > 0 ? thickness : sliceStepMm,
    sliceStepMm,
    header: first.natural,
  };
}

/** The planes of one instance: one for a single-frame image, one per frame of an enhanced multi-frame image. */
function framesOf(name: string, natural: DcmjsNaturalDataset): SourceFrame[] {
  const sopInstanceUid = text(natural, 'SOPInstanceUID');
  const sopClassUid = text(natural, 'SOPClassUID');
  if (!sopInstanceUid || !sopClassUid)
    throw new DicomError('DICOM_INVALID_FILE', `${name}: the source image has no SOP Class or SOP Instance UID to reference`, {
      details: { file: name },
    });
  const perFrame = itemsOf(natural, 'PerFrameFunctionalGroupsSequence');
  const count = numbers(natural, 'NumberOfFrames')?.[0] ?? 1;
  if (perFrame.length === 0) {
    const position = numbers(natural, 'ImagePositionPatient');
    if (count > 1 || !position || position.length < 3) {
      throw new DicomError(
        'DICOM_UNSUPPORTED',
        `${name}: the source image has no Image Position (Patient) for each of its ${count} frame(s)`,
        { details: { file: name, frames: count } },
      );
    }
    return [{ sopClassUid, sopInstanceUid, frameNumber: undefined, position: [position[0]!, position[1]!, position[2]!] }];
  }
  const shared = itemsOf(natural, 'SharedFunctionalGroupsSequence')[0];
  return perFrame.map((group, i) => {
    const position =
      numbers(itemsOf(group, 'PlanePositionSequence')[0], 'ImagePositionPatient') ??
      numbers(itemsOf(shared, 'PlanePositionSequence')[0], 'ImagePositionPatient');
    if (!position || position.length < 3)
      throw new DicomError('DICOM_UNSUPPORTED', `${name}: frame ${i + 1} has no Image Position (Patient)`, {
        details: { file: name, frame: i + 1 },
      });
    return { sopClassUid, sopInstanceUid, frameNumber: i + 1, position: [position[0]!, position[1]!, position[2]!] };
  });
}

function volumeOrientation(name: string, natural: DcmjsNaturalDataset): SourceSeries['orientation'] {
  const direct = numbers(natural, 'ImageOrientationPatient');
  const shared = itemsOf(natural, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = itemsOf(natural, 'PerFrameFunctionalGroupsSequence')[0];
  const value =
    direct ??
    numbers(itemsOf(shared, 'PlaneOrientationSequence')[0], 'ImageOrientationPatient') ??
    numbers(itemsOf(perFrame, 'PlaneOrientationSequence')[0], 'ImageOrientationPatient');
  if (!value || value.length < 6)
    throw new DicomError('DICOM_UNSUPPORTED', `${name}: the source image has no Image Orientation (Patient)`, { details: { file: name } });
  return value.slice(0, 6) as unknown as SourceSeries['orientation'];
}

/** An attribute of the Pixel Measures macro of an enhanced image (shared, else first frame's). */
function pixelMeasure(natural: DcmjsNaturalDataset, keyword: string): number[] | undefined {
  for (const groups of ['SharedFunctionalGroupsSequence', 'PerFrameFunctionalGroupsSequence']) {
    const found = numbers(itemsOf(itemsOf(natural, groups)[0], 'PixelMeasuresSequence')[0], keyword);
    if (found) return found;
  }
  return undefined;
}

/** a · b */
export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
/** a × b */
export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
