import { createProgressReporter, throwIfAborted, type ProgressCallback } from '@medaas/core';
import type { Volume } from '@medaas/nifti-io';
import type { DcmjsNaturalDataset, DcmjsTagDataset } from 'dcmjs';
import type { DicomInput } from '../convert.js';
import { DicomError } from '../dicom-error.js';
import { codeItem, SEGMENTATION_DERIVATION, SOURCE_IMAGE_PURPOSE } from './seg-codes.js';
import { SEGMENTATION_SOP_CLASS, text, writeDataset } from './seg-dataset.js';
import { checkGrid, labelsOf } from './seg-mask.js';
import { LABEL_PRIVATE_CREATOR, LABEL_PRIVATE_CREATOR_TAG, LABEL_PRIVATE_TAG } from './seg-private.js';
import { planSegments, type PlannedSegment } from './seg-segments.js';
import { readSourceSeries, type SourceSeries } from './seg-source.js';
import type { SegmentDescription } from './seg-types.js';
import { newUid } from './seg-uid.js';

/** Options of {@link writeDicomSeg}. */
export interface WriteDicomSegOptions {
  /** What each label is. Default: every label present, named `Segment N`, Tissue / Organ, AUTOMATIC by medaas. */
  readonly segments?: readonly SegmentDescription[];
  /** Series Description (64 characters at most). Default `'Segmentation'`. */
  readonly seriesDescription?: string;
  /** Series Number. Default the source's Series Number plus 1000 (1000 when it has none). */
  readonly seriesNumber?: number;
  /** Content Label (CS: upper-case letters, digits, space, underscore; 16 at most). Default `'SEGMENTATION'`. */
  readonly contentLabel?: string;
  /** Content Description. Default empty. */
  readonly contentDescription?: string;
  /** Content Creator's Name (a person name, `Family^Given`). Default empty. */
  readonly contentCreatorName?: string;
  /** Manufacturer of the writing software. Default `'medaas'`. */
  readonly manufacturer?: string;
  /** Software Versions. Default `'@medaas/dicom'`. */
  readonly softwareVersions?: string;
  /** The source series, when the source files hold several. */
  readonly seriesInstanceUid?: string;
  /** Content, series and instance creation date and time. Default now. */
  readonly date?: Date;
  /** Limit on the source series' pixels while its grid is built (as in `convertDicomSeries`). */
  readonly maxBytes?: number;
  /** Cancels between source files and frames; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports `'dicom-parse'` and `'dicom-pixels'` for the source, then `phase: 'seg-frames'` in frames. */
  readonly onProgress?: ProgressCallback | undefined;
}

/** Identifies the writing software in the file meta information (a fixed 2.25 UID). */
const IMPLEMENTATION_CLASS_UID = '2.25.207941307460123826530383470862357620551';

/**
 * Writes a label mask as a binary DICOM Segmentation of its source series: one segment per label, one
 * bit-packed frame per slice and segment that holds voxels (empty frames are left out), each frame
 * referencing its source image by SOP Instance UID and placed by that image's position; same study,
 * patient and Frame of Reference as the source, new Series and SOP Instance UIDs (2.25). The mask must be
 * on the grid `convertDicomSeries(source)` returns. Everything is checked before anything is encoded.
 *
 * @throws {DicomError} `DICOM_SEG_GRID_MISMATCH` (dims or affine differ from the source grid),
 *   `DICOM_SEG_EMPTY` (no voxel labelled), `DICOM_SEG_INVALID_LABEL` (non-integer datatype, scaling,
 *   negative or above 255, labels and `segments` disagree), `DICOM_INVALID_ARGUMENT` (a malformed option),
 *   the codes of `convertDicomSeries` for the source; or `signal.reason` when aborted.
 * @example
 * ```ts
 * const volume = await convertDicomSeries(files);
 * const mask = { ...volume, datatype: 'uint8', data: labels } as const;
 * const seg = await writeDicomSeg(mask, files, { segments: [{ label: 1, name: 'Liver' }], contentCreatorName: 'Doe^Jane' });
 * ```
 */
export async function writeDicomSeg(
  mask: Volume,
  source: readonly DicomInput[],
  options: WriteDicomSegOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  throwIfAborted(options.signal);
  const labels = labelsOf(mask);
  const texts = checkedTexts(options);
  const series = await readSourceSeries(source, {
    seriesInstanceUid: options.seriesInstanceUid,
    maxBytes: options.maxBytes,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  checkGrid(mask, series);
  if (labels.length === 0)
    throw new DicomError('DICOM_SEG_EMPTY', 'the mask has no labelled voxel: a Segmentation needs at least one segment', { details: {} });
  const segments = planSegments(labels, options.segments);
  const frames = framesToWrite(mask, series, segments);
  const [nx, ny] = series.dims;
  const plane = nx * ny;
  const packed = new Uint8Array(Math.ceil((frames.length * plane) / 8));
  const data = mask.data as ArrayLike<number>;
  const progress = createProgressReporter(options.onProgress, { phase: 'seg-frames', total: frames.length });
  frames.forEach((frame, f) => {
    if ((f & 31) === 0) throwIfAborted(options.signal);
    const base = frame.k * plane;
    const bit0 = f * plane;
    for (let i = 0; i < plane; i += 1) {
      if (data[base + i] === frame.segment.label) packed[(bit0 + i) >> 3]! |= 1 << ((bit0 + i) & 7);
    }
    progress.update(f + 1);
  });
  progress.done();
  const date = options.date ?? new Date();
  const dataset = segDataset(series, segments, frames, packed, texts, date);
  return writeDataset(dataset, { implementationClassUid: IMPLEMENTATION_CLASS_UID, patch: (tags) => addLabelTags(tags, segments) });
}

interface Frame {
  readonly segment: PlannedSegment;
  readonly k: number;
}

/** Frames to write: for each segment in order, each slice that holds its label, bottom to top. */
function framesToWrite(mask: Volume, series: SourceSeries, segments: readonly PlannedSegment[]): Frame[] {
  const [nx, ny, nz] = series.dims;
  const plane = nx * ny;
  const data = mask.data as ArrayLike<number>;
  const present = new Map<number, Set<number>>(segments.map((s) => [s.label, new Set<number>()]));
  for (let k = 0; k < nz; k += 1) {
    for (let i = k * plane, end = i + plane; i < end; i += 1) {
      const v = data[i]!;
      if (v !== 0) present.get(v)?.add(k);
    }
  }
  return segments.flatMap((segment) => [...present.get(segment.label)!].sort((a, b) => a - b).map((k) => ({ segment, k })));
}

interface Texts {
  readonly seriesDescription: string;
  readonly seriesNumber: number | undefined;
  readonly contentLabel: string;
  readonly contentDescription: string;
  readonly contentCreatorName: string;
  readonly manufacturer: string;
  readonly softwareVersions: string;
}

function checkedTexts(options: WriteDicomSegOptions): Texts {
  const lo = (option: string, value: string | undefined, fallback: string, max = 64): string => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.length > max || value.includes('\\') || /[\r\n]/.test(value)) {
      throw new DicomError(
        'DICOM_INVALID_ARGUMENT',
        `${option} must be a string of at most ${max} characters without a backslash or line break`,
        { details: { option } },
      );
    }
    return value;
  };
  const contentLabel = options.contentLabel ?? 'SEGMENTATION';
  if (!/^[A-Z0-9_ ]{1,16}$/.test(contentLabel)) {
    throw new DicomError(
      'DICOM_INVALID_ARGUMENT',
      'contentLabel must be 1 to 16 upper-case letters, digits, spaces or underscores (DICOM CS)',
      { details: { option: 'contentLabel' } },
    );
  }
  if (
    options.seriesNumber !== undefined &&
    (!Number.isInteger(options.seriesNumber) || options.seriesNumber < 0 || options.seriesNumber > 2 ** 31 - 1)
  ) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', 'seriesNumber must be a whole number from 0 to 2^31 - 1', {
      details: { option: 'seriesNumber' },
    });
  }
  return {
    seriesDescription: lo('seriesDescription', options.seriesDescription, 'Segmentation'),
    seriesNumber: options.seriesNumber,
    contentLabel,
    contentDescription: lo('contentDescription', options.contentDescription, ''),
    contentCreatorName: lo('contentCreatorName', options.contentCreatorName, ''),
    manufacturer: lo('manufacturer', options.manufacturer, 'medaas'),
    softwareVersions: lo('softwareVersions', options.softwareVersions, '@medaas/dicom'),
  };
}

/** Patient, study and related attributes copied from the source so the SEG joins the same study and patient. */
const COPIED = [
  'SpecificCharacterSet',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;
/** Type 2 attributes among {@link COPIED}: present, empty when the source lacks them. */
const TYPE2 = new Set([
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
]);

function segDataset(
  series: SourceSeries,
  segments: readonly PlannedSegment[],
  frames: readonly Frame[],
  packed: Uint8Array,
  texts: Texts,
  date: Date,
): DcmjsNaturalDataset {
  const header = series.header;
  const copied: DcmjsNaturalDataset = {};
  for (const keyword of COPIED) {
    const value = header[keyword];
    if (value !== undefined && value !== null && value !== '') copied[keyword] = value;
    else if (TYPE2.has(keyword)) copied[keyword] = '';
  }
  // dcmjs writes every string as UTF-8 (and decodes a source's character set on reading, reporting it as
  // ISO_IR 192): text beyond ASCII that the caller added needs that declared, or readers take it for Latin-1.
  if (!copied['SpecificCharacterSet'] && [...JSON.stringify([texts, segments.map((s) => s.item)])].some((c) => c.charCodeAt(0) > 0x7f))
    copied['SpecificCharacterSet'] = 'ISO_IR 192';
  if (!copied['StudyInstanceUID'])
    throw new DicomError('DICOM_INVALID_FILE', 'the source series has no Study Instance UID for the Segmentation to join', { details: {} });
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  const dimensionOrganizationUid = newUid();
  const sopInstanceUid = newUid();
  const spacing = series.pixelSpacing;
  const sourceNumber = series.seriesNumber;
  return {
    _vrMap: { PixelData: 'OB' },
    ...copied,
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: day,
    InstanceCreationTime: time,
    TimezoneOffsetFromUTC: '+0000',
    Modality: 'SEG',
    SeriesInstanceUID: newUid(),
    SeriesNumber: texts.seriesNumber ?? (sourceNumber !== undefined && sourceNumber + 1000 < 2 ** 31 ? sourceNumber + 1000 : 1000),
    SeriesDescription: texts.seriesDescription,
    SeriesDate: day,
    SeriesTime: time,
    FrameOfReferenceUID: series.frameOfReferenceUid,
    PositionReferenceIndicator: text(header, 'PositionReferenceIndicator'),
    Manufacturer: texts.manufacturer,
    ManufacturerModelName: '@medaas/dicom writeDicomSeg',
    DeviceSerialNumber: '0',
    SoftwareVersions: texts.softwareVersions,
    InstanceNumber: 1,
    ContentDate: day,
    ContentTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: texts.contentLabel,
    ContentDescription: texts.contentDescription,
    ContentCreatorName: texts.contentCreatorName === '' ? '' : [{ Alphabetic: texts.contentCreatorName }],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: series.dims[1],
    Columns: series.dims[0],
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: segments.map((s) => s.item),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionOrganizationType: '3D',
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...series.orientation] }],
        PixelMeasuresSequence: [
          { PixelSpacing: [spacing[0], spacing[1]], SliceThickness: series.sliceThicknessMm, SpacingBetweenSlices: series.sliceStepMm },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, k }) => {
      const source = series.frames[k]!;
      const reference = {
        ReferencedSOPClassUID: source.sopClassUid,
        ReferencedSOPInstanceUID: source.sopInstanceUid,
        ...(source.frameNumber === undefined ? {} : { ReferencedFrameNumber: source.frameNumber }),
        PurposeOfReferenceCodeSequence: [codeItem(SOURCE_IMAGE_PURPOSE)],
      };
      return {
        FrameContentSequence: [{ DimensionIndexValues: [segment.segmentNumber, k + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: [...source.position] }],
        DerivationImageSequence: [{ SourceImageSequence: [reference], DerivationCodeSequence: [codeItem(SEGMENTATION_DERIVATION)] }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment.segmentNumber }],
      };
    }),
    NumberOfFrames: frames.length,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.seriesInstanceUid,
        ReferencedInstanceSequence: series.instances.map((i) => ({
          ReferencedSOPClassUID: i.sopClassUid,
          ReferencedSOPInstanceUID: i.sopInstanceUid,
        })),
      },
    ],
    PixelData: [packed.buffer],
  };
}

/** Records each segment's mask label in a private element of its item, where it differs from the Segment Number. */
function addLabelTags(tags: DcmjsTagDataset, segments: readonly PlannedSegment[]): void {
  const items = tags['00620002']?.Value as DcmjsTagDataset[] | undefined;
  segments.forEach((segment, i) => {
    const item = items?.[i];
    if (!item || segment.label === segment.segmentNumber) return;
    item[LABEL_PRIVATE_CREATOR_TAG] = { vr: 'LO', Value: [LABEL_PRIVATE_CREATOR] };
    item[LABEL_PRIVATE_TAG] = { vr: 'US', Value: [segment.label] };
  });
}
