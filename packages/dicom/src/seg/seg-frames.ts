import type { Vec3 } from '@medaas/nifti-io';
import type { DcmjsNaturalDataset } from 'dcmjs';
import { DicomError } from '../dicom-error.js';
import { itemsOf, numbers, text } from './seg-dataset.js';
import { cross, dot, type SourceSeries } from './seg-source.js';

/**
 * How far a SEG frame may lie from a source plane, as a fraction of the pixel spacing in-plane and of the
 * slice step along the normal, and still be that plane. Writers that recompute positions from an affine
 * differ from the recorded ones by far less; half a voxel off is a different grid.
 */
export const PLANE_TOLERANCE = 0.1;
/** How far direction cosines and pixel spacings (relative) may differ from the source's. */
const ORIENTATION_TOLERANCE = 1e-3;

/** Where one SEG frame goes: slice k of the source grid, for one segment. */
export interface FramePlacement {
  readonly k: number;
  readonly segmentNumber: number;
}

/**
 * Places every frame of a SEG on the source grid: checks the frames' orientation and spacing against the
 * source, then maps each frame to the source plane at its Image Position (Patient) or, when the frame has
 * none, to the source plane its Source Image Sequence names.
 *
 * @throws {DicomError} `DICOM_SEG_OFF_GRID` for a frame that does not fall on a source plane,
 *   `DICOM_SEG_INVALID` for a frame with neither position nor source reference, or without a segment.
 */
export function frameGeometry(name: string, natural: DcmjsNaturalDataset, series: SourceSeries, frames: number): FramePlacement[] {
  const shared = itemsOf(natural, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = itemsOf(natural, 'PerFrameFunctionalGroupsSequence');
  if (perFrame.length !== frames) {
    throw new DicomError('DICOM_SEG_INVALID', `${name}: ${frames} frame(s) but ${perFrame.length} Per-frame Functional Groups item(s)`, {
      details: { file: name, frames, perFrameItems: perFrame.length },
    });
  }
  const o = series.orientation;
  const row: Vec3 = [o[0], o[1], o[2]];
  const column: Vec3 = [o[3], o[4], o[5]];
  const normal = cross(row, column);
  const byReference = new Map(series.frames.map((f, k) => [`${f.sopInstanceUid}#${f.frameNumber ?? 1}`, k]));
  const origins = series.frames.map((f) => f.position);
  const [rowSpacing, columnSpacing] = series.pixelSpacing;
  return perFrame.map((group, f) => {
    const groups = [group, shared];
    const macro = (sequence: string): DcmjsNaturalDataset | undefined =>
      groups.map((g) => itemsOf(g, sequence)[0]).find((item) => item !== undefined);
    const orientation = numbers(macro('PlaneOrientationSequence'), 'ImageOrientationPatient');
    if (orientation && (orientation.length < 6 || orientation.slice(0, 6).some((v, i) => Math.abs(v - o[i]!) > ORIENTATION_TOLERANCE))) {
      throw offGrid(name, f, 'its orientation differs from the source images');
    }
    const spacing = numbers(macro('PixelMeasuresSequence'), 'PixelSpacing');
    if (
      spacing &&
      (spacing.length < 2 ||
        Math.abs(spacing[0]! - rowSpacing) > ORIENTATION_TOLERANCE * rowSpacing ||
        Math.abs(spacing[1]! - columnSpacing) > ORIENTATION_TOLERANCE * columnSpacing)
    ) {
      throw offGrid(name, f, `its pixel spacing [${spacing.join(', ')}] differs from the source's [${rowSpacing}, ${columnSpacing}]`);
    }
    const segmentNumber = numbers(macro('SegmentIdentificationSequence'), 'ReferencedSegmentNumber')?.[0];
    if (segmentNumber === undefined)
      throw new DicomError('DICOM_SEG_INVALID', `${name}: frame ${f + 1} names no segment (Segment Identification)`, {
        details: { file: name, frame: f + 1 },
      });
    const position = numbers(macro('PlanePositionSequence'), 'ImagePositionPatient');
    if (position && position.length >= 3) return { k: nearestPlane(name, f, [position[0]!, position[1]!, position[2]!]), segmentNumber };
    const reference = itemsOf(macro('DerivationImageSequence'), 'SourceImageSequence')[0];
    const uid = text(reference, 'ReferencedSOPInstanceUID');
    const k = uid ? byReference.get(`${uid}#${numbers(reference, 'ReferencedFrameNumber')?.[0] ?? 1}`) : undefined;
    if (k === undefined) {
      throw new DicomError(
        uid ? 'DICOM_SEG_WRONG_SERIES' : 'DICOM_SEG_INVALID',
        `${name}: frame ${f + 1} has no Plane Position, and ${uid ? 'the image it derives from is not in the source series' : 'no Source Image reference'}`,
        {
          details: { file: name, frame: f + 1 },
        },
      );
    }
    return { k, segmentNumber };
  });

  function nearestPlane(file: string, f: number, position: Vec3): number {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    origins.forEach((origin, k) => {
      const distance = Math.abs(dot(sub(position, origin), normal));
      if (distance < bestDistance) [best, bestDistance] = [k, distance];
    });
    const offset = sub(position, origins[best]!);
    const inRow = Math.abs(dot(offset, row));
    const inColumn = Math.abs(dot(offset, column));
    if (
      bestDistance > PLANE_TOLERANCE * series.sliceStepMm ||
      inRow > PLANE_TOLERANCE * columnSpacing ||
      inColumn > PLANE_TOLERANCE * rowSpacing
    ) {
      throw offGrid(
        file,
        f,
        `its position is ${bestDistance.toFixed(3)} mm from the nearest source slice along the normal and (${inRow.toFixed(3)}, ${inColumn.toFixed(3)}) mm off in-plane`,
      );
    }
    return best;
  }
}

function offGrid(name: string, f: number, why: string): DicomError {
  return new DicomError('DICOM_SEG_OFF_GRID', `${name}: frame ${f + 1} is not on the source series' grid: ${why}`, {
    details: { file: name, frame: f + 1 },
  });
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
