import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { INTENT_LABEL, type Volume } from '@medaas/nifti-io';
import type { DcmjsNaturalDataset, DcmjsTagDataset } from 'dcmjs';
import type { DicomInput } from '../convert.js';
import { DicomError } from '../dicom-error.js';
import { dicomLabToRgb } from './seg-color.js';
import { codeOf } from './seg-codes.js';
import { itemsOf, numbers, parseDataset, SEGMENTATION_SOP_CLASS, text } from './seg-dataset.js';
import { frameGeometry } from './seg-frames.js';
import { LABEL_PRIVATE_CREATOR } from './seg-private.js';
import { readSourceSeries, type SourceSeries } from './seg-source.js';
import type { Code, SegmentAlgorithm, SegmentInfo } from './seg-types.js';
import { declaredCharacterSet, redecode } from './seg-charset.js';

/** Options of {@link readDicomSeg}. */
export interface ReadDicomSegOptions {
  /** The source series, when the source files hold several and the SEG references more than one. */
  readonly seriesInstanceUid?: string;
  /**
   * What to do with a voxel that two segments claim (a label mask holds one label per voxel):
   * `'error'` refuses the SEG with `DICOM_SEG_OVERLAP` (default), `'last'` keeps the higher Segment Number.
   */
  readonly overlap?: 'error' | 'last';
  /** Limit on the source series' pixels while its grid is built (as in `convertDicomSeries`). */
  readonly maxBytes?: number;
  /** Cancels between files and frames; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports the source's `'dicom-parse'` and `'dicom-pixels'`. */
  readonly onProgress?: ProgressCallback | undefined;
}

/** A DICOM Segmentation read back onto its source series' grid. */
export interface DicomSegResult {
  /** A label mask (uint8, or uint16 for labels above 255) on the grid `convertDicomSeries(source)` returns. */
  readonly mask: Volume;
  /** The SEG's segments in Segment Number order. */
  readonly segments: SegmentInfo[];
  /** The Series Instance UID of the source series the SEG was matched to. */
  readonly referencedSeriesUid: string;
  /** Voxels two segments claimed (kept with the higher Segment Number under `overlap: 'last'`). */
  readonly overlappingVoxels: number;
}

const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99']);

/**
 * Reads a DICOM Segmentation (from this SDK or another writer) into a label mask on the grid of its
 * source series: each frame goes to the slice at its Plane Position (or, without one, to the slice of
 * the image it derives from), never by frame order. BINARY and FRACTIONAL (thresholded at half the maximum)
 * segmentations in uncompressed transfer syntaxes are read.
 *
 * @throws {DicomError} `DICOM_SEG_INVALID` (not a Segmentation, or malformed), `DICOM_SEG_WRONG_SERIES`
 *   (the SEG references another series or Frame of Reference than the source), `DICOM_SEG_OFF_GRID` (a
 *   frame's size, orientation, spacing or position does not fall on the source grid), `DICOM_SEG_OVERLAP`,
 *   `DICOM_UNSUPPORTED` (compressed pixel data), `DICOM_INVALID_FILE`, the codes of `convertDicomSeries`
 *   for the source; or `signal.reason` when aborted.
 * @example
 * ```ts
 * const { mask, segments } = await readDicomSeg(segBytes, sourceFiles);
 * console.log(segments.map((s) => `${s.label}: ${s.name} (${s.voxels} voxels)`));
 * ```
 */
export async function readDicomSeg(
  seg: DicomInput | Uint8Array,
  source: readonly DicomInput[],
  options: ReadDicomSegOptions = {},
): Promise<DicomSegResult> {
  throwIfAborted(options.signal);
  const name = seg instanceof Uint8Array ? 'segmentation' : seg.name;
  const bytes =
    seg instanceof Uint8Array
      ? seg
      : typeof Blob !== 'undefined' && seg instanceof Blob
        ? new Uint8Array(await seg.arrayBuffer())
        : (seg as { readonly bytes: Uint8Array }).bytes;
  const { natural, tags, transferSyntax } = parseDataset(name, bytes, false);
  if (text(natural, 'SOPClassUID') !== SEGMENTATION_SOP_CLASS) {
    throw new DicomError(
      'DICOM_SEG_INVALID',
      `${name} is not a DICOM Segmentation (SOP Class UID ${text(natural, 'SOPClassUID') || 'missing'})`,
      { details: { file: name, sopClassUid: text(natural, 'SOPClassUID') } },
    );
  }
  if (!UNCOMPRESSED.has(transferSyntax)) {
    throw new DicomError(
      'DICOM_UNSUPPORTED',
      `${name}: pixel data in transfer syntax ${transferSyntax}; the reader takes uncompressed Segmentations`,
      { details: { file: name, transferSyntax } },
    );
  }
  const series = await sourceFor(name, natural, source, options);
  const segments = segmentsOf(name, natural, tags, declaredCharacterSet(bytes));
  const { rows, columns, frames, pixels, fractionalMax } = pixelLayout(name, natural);
  const [nx, ny, nz] = series.dims;
  if (rows !== ny || columns !== nx) {
    throw new DicomError('DICOM_SEG_OFF_GRID', `${name}: frames of ${rows}x${columns} pixels do not fit the source's ${ny}x${nx} slices`, {
      details: { file: name, rows, columns, expected: [ny, nx] },
    });
  }
  const geometry = frameGeometry(name, natural, series, frames);
  const plane = nx * ny;
  const maxLabel = Math.max(0, ...segments.map((s) => s.label));
  const data = maxLabel > 255 ? new Uint16Array(plane * nz) : new Uint8Array(plane * nz);
  const byNumber = new Map(segments.map((s) => [s.segmentNumber, s]));
  const counts = new Map<number, number>();
  let overlappingVoxels = 0;
  for (let f = 0; f < frames; f += 1) {
    if ((f & 31) === 0) throwIfAborted(options.signal);
    const { k, segmentNumber } = geometry[f]!;
    const segment = byNumber.get(segmentNumber);
    if (!segment)
      throw new DicomError(
        'DICOM_SEG_INVALID',
        `${name}: frame ${f + 1} belongs to segment ${segmentNumber}, which the Segment Sequence does not describe`,
        { details: { file: name, frame: f + 1, segmentNumber } },
      );
    counts.set(segmentNumber, (counts.get(segmentNumber) ?? 0) + 1);
    const base = k * plane;
    for (let i = 0; i < plane; i += 1) {
      const on =
        fractionalMax === undefined
          ? ((pixels[(f * plane + i) >> 3]! >> ((f * plane + i) & 7)) & 1) === 1
          : pixels[f * plane + i]! * 2 > fractionalMax;
      if (!on) continue;
      const previous = data[base + i]!;
      if (previous !== 0 && previous !== segment.label) {
        overlappingVoxels += 1;
        const winner = segments.find((s) => s.label === previous)!;
        if (winner.segmentNumber > segmentNumber) continue;
      }
      data[base + i] = segment.label;
    }
  }
  if (overlappingVoxels > 0 && (options.overlap ?? 'error') === 'error') {
    throw new DicomError(
      'DICOM_SEG_OVERLAP',
      `${name}: ${overlappingVoxels} voxel(s) belong to more than one segment, which a label mask cannot hold; pass overlap: 'last' to keep the higher Segment Number`,
      {
        details: { file: name, overlappingVoxels },
      },
    );
  }
  const voxels = new Map<number, number>();
  for (let i = 0; i < data.length; i += 1) if (data[i]) voxels.set(data[i]!, (voxels.get(data[i]!) ?? 0) + 1);
  const mask: Volume = {
    dims: [nx, ny, nz],
    datatype: data instanceof Uint16Array ? 'uint16' : 'uint8',
    data,
    affine: series.affine,
    intent: { code: INTENT_LABEL },
  };
  return {
    mask,
    segments: segments.map((s) => ({ ...s, frames: counts.get(s.segmentNumber) ?? 0, voxels: voxels.get(s.label) ?? 0 })),
    referencedSeriesUid: series.seriesInstanceUid,
    overlappingVoxels,
  };
}

/** Reads the source series the SEG refers to and checks that the SEG belongs to it. */
async function sourceFor(
  name: string,
  natural: DcmjsNaturalDataset,
  source: readonly DicomInput[],
  options: ReadDicomSegOptions,
): Promise<SourceSeries> {
  const referenced = [
    ...new Set(
      itemsOf(natural, 'ReferencedSeriesSequence')
        .map((item) => text(item, 'SeriesInstanceUID'))
        .filter(Boolean),
    ),
  ];
  const chosen = options.seriesInstanceUid ?? (referenced.length === 1 ? referenced[0] : undefined);
  let series: SourceSeries;
  try {
    series = await readSourceSeries(source, {
      seriesInstanceUid: chosen,
      maxBytes: options.maxBytes,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } catch (error) {
    // The source files do not hold the series the SEG names.
    if (
      error instanceof DicomError &&
      error.code === 'DICOM_NO_IMAGES' &&
      Array.isArray(error.details['series']) &&
      options.seriesInstanceUid === undefined
    )
      throw wrongSeries(name, referenced);
    throw error;
  }
  if (referenced.length > 0 && !referenced.includes(series.seriesInstanceUid)) throw wrongSeries(name, referenced);
  const frameOfReference = text(natural, 'FrameOfReferenceUID');
  if (frameOfReference && frameOfReference !== series.frameOfReferenceUid) {
    throw new DicomError(
      'DICOM_SEG_WRONG_SERIES',
      `${name}: the Segmentation's Frame of Reference is not the source series': its positions mean nothing on this grid`,
      { details: { file: name } },
    );
  }
  return series;
}

function wrongSeries(name: string, referenced: readonly string[]): DicomError {
  return new DicomError(
    'DICOM_SEG_WRONG_SERIES',
    `${name} references series ${referenced.join(', ') || '(none)'}, which the source files do not hold`,
    { details: { file: name, referencedSeries: [...referenced] } },
  );
}

/** The Segment Sequence, with each segment's label (the medaas private label, else the Segment Number). */
function segmentsOf(
  name: string,
  natural: DcmjsNaturalDataset,
  tags: DcmjsTagDataset,
  characterSet: string | undefined,
): Omit<SegmentInfo, 'frames' | 'voxels'>[] {
  const decoded = (item: DcmjsNaturalDataset | undefined, keyword: string): string => redecode(text(item, keyword), characterSet);
  const code = (item: DcmjsNaturalDataset | undefined): Code | undefined => {
    const found = codeOf(item);
    return found && { ...found, meaning: redecode(found.meaning, characterSet) };
  };
  const items = itemsOf(natural, 'SegmentSequence');
  const tagItems = (tags['00620002']?.Value ?? []) as DcmjsTagDataset[];
  if (items.length === 0)
    throw new DicomError('DICOM_SEG_INVALID', `${name}: the Segmentation has no Segment Sequence`, { details: { file: name } });
  const seen = new Set<number>();
  return items.map((item, i) => {
    const segmentNumber = numbers(item, 'SegmentNumber')?.[0];
    if (
      segmentNumber === undefined ||
      !Number.isInteger(segmentNumber) ||
      segmentNumber < 1 ||
      segmentNumber > 65535 ||
      seen.has(segmentNumber)
    ) {
      throw new DicomError('DICOM_SEG_INVALID', `${name}: segment item ${i + 1} has a missing, repeated or invalid Segment Number`, {
        details: { file: name, item: i + 1 },
      });
    }
    seen.add(segmentNumber);
    const type = text(item, 'SegmentAlgorithmType');
    const algorithmName = decoded(item, 'SegmentAlgorithmName');
    const algorithm: SegmentAlgorithm | undefined =
      type === 'AUTOMATIC' || type === 'SEMIAUTOMATIC' || type === 'MANUAL'
        ? { type, ...(algorithmName ? { name: algorithmName } : {}) }
        : undefined;
    const lab = numbers(item, 'RecommendedDisplayCIELabValue');
    const description = decoded(item, 'SegmentDescription');
    return {
      segmentNumber,
      label: privateLabel(tagItems[i]) ?? segmentNumber,
      name: decoded(item, 'SegmentLabel'),
      category: code(itemsOf(item, 'SegmentedPropertyCategoryCodeSequence')[0]),
      type: code(itemsOf(item, 'SegmentedPropertyTypeCodeSequence')[0]),
      algorithm,
      color: lab && lab.length >= 3 ? dicomLabToRgb([lab[0]!, lab[1]!, lab[2]!]) : undefined,
      description: description || undefined,
    };
  });
}

/** The label the medaas writer recorded in a segment item, found by its private creator in any block. */
function privateLabel(item: DcmjsTagDataset | undefined): number | undefined {
  if (!item) return undefined;
  for (let block = 0x10; block <= 0xff; block += 1) {
    const creator = item[`0071${block.toString(16).padStart(4, '0').toUpperCase()}`]?.Value?.[0];
    if (typeof creator !== 'string' || creator.trim() !== LABEL_PRIVATE_CREATOR) continue;
    const element = item[`0071${block.toString(16).toUpperCase().padStart(2, '0')}01`];
    const raw = element?.Value?.[0];
    const value =
      typeof raw === 'number' ? raw : raw instanceof ArrayBuffer && raw.byteLength >= 2 ? new DataView(raw).getUint16(0, true) : undefined;
    return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 65535 ? value : undefined;
  }
  return undefined;
}

/** Frame size, count and pixel bytes, checked against each other. */
function pixelLayout(
  name: string,
  natural: DcmjsNaturalDataset,
): { rows: number; columns: number; frames: number; pixels: Uint8Array; fractionalMax: number | undefined } {
  const rows = numbers(natural, 'Rows')?.[0] ?? 0;
  const columns = numbers(natural, 'Columns')?.[0] ?? 0;
  const frames = numbers(natural, 'NumberOfFrames')?.[0] ?? 1;
  const type = text(natural, 'SegmentationType');
  const bits = numbers(natural, 'BitsAllocated')?.[0];
  const fractional = type === 'FRACTIONAL';
  if (
    !(rows > 0 && columns > 0 && Number.isInteger(frames) && frames > 0) ||
    (type !== 'BINARY' && !fractional) ||
    bits !== (fractional ? 8 : 1)
  ) {
    throw new DicomError(
      'DICOM_SEG_INVALID',
      `${name}: a ${type || 'untyped'} Segmentation of ${frames} frame(s) of ${rows}x${columns} with ${bits ?? '?'} bits allocated is not a BINARY (1-bit) or FRACTIONAL (8-bit) one`,
      {
        details: { file: name, segmentationType: type, bitsAllocated: bits, rows, columns, frames },
      },
    );
  }
  const raw = natural['PixelData'];
  const chunks = (Array.isArray(raw) ? raw : [raw]).filter((c): c is ArrayBuffer => c instanceof ArrayBuffer);
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const pixels = chunks.length === 1 ? new Uint8Array(chunks[0]!) : new Uint8Array(total);
  if (chunks.length > 1) chunks.reduce((offset, c) => (pixels.set(new Uint8Array(c), offset), offset + c.byteLength), 0);
  const needed = fractional ? rows * columns * frames : Math.ceil((rows * columns * frames) / 8);
  if (total < needed) {
    throw new DicomError(
      'DICOM_SEG_INVALID',
      `${name}: the pixel data holds ${total} bytes, fewer than the ${needed} its ${frames} frame(s) need`,
      { details: { file: name, bytes: total, needed } },
    );
  }
  const max = numbers(natural, 'MaximumFractionalValue')?.[0];
  return { rows, columns, frames, pixels, fractionalMax: fractional ? (max && max > 0 ? max : 255) : undefined };
}
