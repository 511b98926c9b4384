import { DicomError } from '../dicom-error.js';
import { rgbToDicomLab } from './seg-color.js';
import { checkCode, codeItem, ORGAN, TISSUE } from './seg-codes.js';
import type { SegmentDescription } from './seg-types.js';

/** A segment to write: its number in the SEG, the mask label it holds, and its Segment Sequence item. */
export interface PlannedSegment {
  readonly segmentNumber: number;
  readonly label: number;
  readonly item: Record<string, unknown>;
}

const DEFAULT_ALGORITHM_NAME = 'medaas';

/**
 * Plans the segments: one per label present, numbered 1, 2, ... in label order as DICOM requires
 * (PS3.3 C.8.20.2: numbering starts at 1 and increases by 1). With `segments`, each label present must be
 * described once and each description must match a label present: a silent drop or an empty segment
 * would be a surprise in a viewer.
 *
 * @throws {DicomError} `DICOM_SEG_INVALID_LABEL` for a label without description or a description without
 *   voxels; `DICOM_INVALID_ARGUMENT` for a malformed description.
 */
export function planSegments(labels: readonly number[], segments: readonly SegmentDescription[] | undefined): PlannedSegment[] {
  const byLabel = new Map<number, SegmentDescription>();
  for (const [i, segment] of (segments ?? []).entries()) {
    if (!Number.isInteger(segment.label) || segment.label < 1 || segment.label > 255) {
      throw new DicomError(
        'DICOM_SEG_INVALID_LABEL',
        `segments[${i}].label must be a whole number from 1 to 255, got ${String(segment.label)}`,
        { details: { option: `segments[${i}].label` } },
      );
    }
    if (byLabel.has(segment.label))
      throw new DicomError('DICOM_SEG_INVALID_LABEL', `segments lists label ${segment.label} twice`, { details: { label: segment.label } });
    byLabel.set(segment.label, segment);
  }
  if (segments) {
    const absent = [...byLabel.keys()].filter((label) => !labels.includes(label));
    const undescribed = labels.filter((label) => !byLabel.has(label));
    if (absent.length > 0 || undescribed.length > 0) {
      const parts = [
        absent.length ? `label(s) ${absent.join(', ')} listed in segments have no voxel in the mask` : '',
        undescribed.length ? `label(s) ${undescribed.join(', ')} of the mask are not listed in segments` : '',
      ];
      throw new DicomError('DICOM_SEG_INVALID_LABEL', parts.filter(Boolean).join('; '), { details: { absent, undescribed } });
    }
  }
  return labels.map((label, index) => {
    const segment = byLabel.get(label) ?? { label, name: `Segment ${label}` };
    return { segmentNumber: index + 1, label, item: segmentItem(index + 1, segment) };
  });
}

function segmentItem(segmentNumber: number, segment: SegmentDescription): Record<string, unknown> {
  const where = `segments (label ${segment.label})`;
  if (typeof segment.name !== 'string' || segment.name.trim() === '' || segment.name.length > 64 || segment.name.includes('\\')) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: name must be 1 to 64 characters without a backslash`, {
      details: { option: 'segments.name', label: segment.label },
    });
  }
  const category = segment.category ?? TISSUE;
  const type = segment.type ?? ORGAN;
  checkCode(category, `${where}.category`);
  checkCode(type, `${where}.type`);
  const algorithmType = segment.algorithm?.type ?? 'AUTOMATIC';
  if (!['AUTOMATIC', 'SEMIAUTOMATIC', 'MANUAL'].includes(algorithmType)) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: algorithm.type must be AUTOMATIC, SEMIAUTOMATIC or MANUAL`, {
      details: { option: 'segments.algorithm.type', label: segment.label },
    });
  }
  const algorithmName = segment.algorithm?.name ?? (algorithmType === 'MANUAL' ? undefined : DEFAULT_ALGORITHM_NAME);
  if (algorithmName !== undefined && (algorithmName.length > 64 || algorithmName.includes('\\') || algorithmName.trim() === '')) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: algorithm.name must be 1 to 64 characters without a backslash`, {
      details: { option: 'segments.algorithm.name', label: segment.label },
    });
  }
  const color = segment.color;
  if (color !== undefined && (color.length !== 3 || color.some((c) => !Number.isFinite(c) || c < 0 || c > 255))) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: color must be [r, g, b], each 0 to 255`, {
      details: { option: 'segments.color', label: segment.label },
    });
  }
  if (segment.description !== undefined && (segment.description.length > 1024 || segment.description.includes('\\'))) {
    throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: description must be at most 1024 characters without a backslash`, {
      details: { option: 'segments.description', label: segment.label },
    });
  }
  return {
    SegmentNumber: segmentNumber,
    SegmentLabel: segment.name,
    ...(segment.description === undefined ? {} : { SegmentDescription: segment.description }),
    SegmentedPropertyCategoryCodeSequence: [codeItem(category)],
    SegmentedPropertyTypeCodeSequence: [codeItem(type)],
    SegmentAlgorithmType: algorithmType,
    ...(algorithmName === undefined ? {} : { SegmentAlgorithmName: algorithmName }),
    ...(color === undefined ? {} : { RecommendedDisplayCIELabValue: rgbToDicomLab(color) }),
  };
}
