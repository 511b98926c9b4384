import type { ProgressCallback } from '@medaas/core';
import { createProgressReporter } from '@medaas/core';
import { DEFAULT_MAX_BYTES, flipRasLps, type Mat4, type Vec3, type Volume } from '@medaas/nifti-io';
import { DicomError } from './dicom-error.js';
import type { DicomSlice } from './dicom-slice.js';

/** Something the caller should know about a converted series: the volume is right, but maybe not complete. */
export interface DicomWarning {
  /**
   * `'gap'`: slices are missing (a step between two slices is much larger than the others); the volume
   * keeps the true positions of the slices it has only if the caller accepts the uneven spacing, so the
   * converter uses the median step and reports where the gap is.
   * `'gantry-tilt'`: the slices are stacked at an angle to their normal (CT gantry tilt); the affine is
   * sheared to keep every voxel at its true position (no resampling).
   */
  readonly kind: 'gap' | 'gantry-tilt';
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A converted series: the volume and what the caller should know about it. */
export interface DicomVolume extends Volume {
  /** Gaps and gantry tilt found while assembling the series. Empty when the series is regular. */
  readonly warnings: readonly DicomWarning[];
  /** Slices stacked along k, in order. */
  readonly sliceCount: number;
}

/** Options of series assembly. */
export interface AssembleOptions {
  /** Refuse gaps instead of warning about them. Default false. */
  readonly rejectGaps?: boolean;
  /** Refuse a volume of more than this many bytes, before decoding its pixels. Default 4 GiB. */
  readonly maxBytes?: number | undefined;
  /** Reports `phase: 'dicom-pixels'` in slices. */
  readonly onProgress?: ProgressCallback | undefined;
}

const ORIENTATION_TOLERANCE = 1e-4;
const SPACING_TOLERANCE = 1e-3;
/** Below this angle between the slice step and the normal (0.06 degrees), a deviation is rounding, not gantry tilt. */
const TILT_TOLERANCE_RAD = 1e-3;

/**
 * Stacks the slices of ONE series into a volume: checks that they agree, sorts them along the slice
 * normal, finds gaps and tilt, builds the affine (RAS+) and copies the pixels.
 *
 * @throws {DicomError} `DICOM_INCONSISTENT_SERIES`, `DICOM_DUPLICATE_SLICE`, `DICOM_NO_IMAGES`.
 */
export function assembleSeries(slices: readonly DicomSlice[], options: AssembleOptions = {}): DicomVolume {
  const first = slices[0];
  if (!first) throw new DicomError('DICOM_NO_IMAGES', 'no image slices to convert', { details: {} });
  for (const slice of slices) checkConsistent(first, slice);
  const [r0, r1, r2, c0, c1, c2] = first.orientation;
  const rowDir: Vec3 = [r0, r1, r2];
  const colDir: Vec3 = [c0, c1, c2];
  const normal = cross(rowDir, colDir);
  const sorted = [...slices].sort((a, b) => dot(a.position, normal) - dot(b.position, normal));
  const distances = sorted.map((s) => dot(s.position, normal));
  const steps = distances.slice(1).map((d, i) => d - distances[i]!);
  steps.forEach((step, i) => {
    if (step < SPACING_TOLERANCE) {
      throw new DicomError(
        'DICOM_DUPLICATE_SLICE',
        `${sorted[i + 1]!.file} and ${sorted[i]!.file} are at the same position (${step.toFixed(4)} mm apart along the slice normal)`,
        {
          details: { files: [sorted[i]!.file, sorted[i + 1]!.file], stepMm: step },
        },
      );
    }
  });
  const warnings: DicomWarning[] = [];
  const median = steps.length > 0 ? [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]! : 1;
  steps.forEach((step, i) => {
    if (step > median * 1.5) {
      const missing = Math.round(step / median) - 1;
      const warning: DicomWarning = {
        kind: 'gap',
        message: `about ${missing} slice(s) missing between ${sorted[i]!.file} and ${sorted[i + 1]!.file}: ${step.toFixed(3)} mm apart where the others are ${median.toFixed(3)} mm`,
        details: { after: sorted[i]!.file, before: sorted[i + 1]!.file, stepMm: step, typicalStepMm: median, missing },
      };
      if (options.rejectGaps) throw new DicomError('DICOM_INCONSISTENT_SERIES', warning.message, { details: warning.details });
      warnings.push(warning);
    }
  });
  // The stacking vector: first to last slice, per slice (with gantry tilt it is not along the normal).
  // Across a gap the average is wrong, so take the step of one regular neighbour pair instead.
  const n = sorted.length;
  let stack: Vec3 = scale(normal, 1);
  if (n > 1 && warnings.length === 0) stack = scale(subtract(sorted[n - 1]!.position, sorted[0]!.position), 1 / (n - 1));
  else if (n > 1) {
    const regular = steps.reduce((best, step, i) => (Math.abs(step - median) < Math.abs(steps[best]! - median) ? i : best), 0);
    stack = subtract(sorted[regular + 1]!.position, sorted[regular]!.position);
  }
  const along = dot(stack, normal);
  const tiltRad = n > 1 ? Math.acos(Math.min(1, Math.abs(along) / Math.hypot(...stack))) : 0;
  if (tiltRad > TILT_TOLERANCE_RAD) {
    warnings.push({
      kind: 'gantry-tilt',
      message: `the slices are stacked ${((tiltRad * 180) / Math.PI).toFixed(2)} degrees off their normal (gantry tilt); the affine is sheared to keep every voxel in place`,
      details: { tiltDegrees: (tiltRad * 180) / Math.PI },
    });
  } else {
    // Rounding in recorded positions tilts the mean step by a hair; snap it onto the normal so the grid
    // stays orthogonal (as every resampler needs). The slices move by far less than a voxel.
    stack = scale(normal, along);
  }
  const origin = sorted[0]!.position;
  const [rowSpacing, colSpacing] = first.pixelSpacing;
  // DICOM: column index i moves along the row direction by the column spacing; row index j along the column direction.
  const lps: Mat4 = [
    [rowDir[0] * colSpacing, colDir[0] * rowSpacing, stack[0], origin[0]],
    [rowDir[1] * colSpacing, colDir[1] * rowSpacing, stack[1], origin[1]],
    [rowDir[2] * colSpacing, colDir[2] * rowSpacing, stack[2], origin[2]],
    [0, 0, 0, 1],
  ];
  return { ...pixelsOf(sorted, options), affine: flipRasLps(lps), warnings, sliceCount: n };
}

/** Copies the slices' pixels into one volume: stored integers plus a common scaling, or float32 if scalings differ. */
function pixelsOf(sorted: readonly DicomSlice[], options: AssembleOptions): Pick<DicomVolume, 'dims' | 'datatype' | 'data' | 'scaling'> {
  const first = sorted[0]!;
  const plane = first.rows * first.columns;
  const dims = [first.columns, first.rows, sorted.length];
  const sameScaling = sorted.every((s) => s.slope === first.slope && s.intercept === first.intercept);
  const declared = plane * sorted.length * (sameScaling ? first.bytesPerPixel : 4);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (declared > maxBytes) {
    throw new DicomError(
      'DICOM_TOO_LARGE',
      `the series of ${sorted.length} ${first.rows}x${first.columns} slices needs ${declared} bytes, more than maxBytes (${maxBytes})`,
      {
        details: { option: 'maxBytes', declared, limit: maxBytes },
      },
    );
  }
  const progress = createProgressReporter(options.onProgress, { phase: 'dicom-pixels', total: sorted.length });
  const planes = sorted.map((slice, k) => {
    const pixels = slice.pixels();
    progress.update(k + 1);
    return pixels;
  });
  progress.done();
  if (sameScaling) {
    const sample = planes[0]!;
    const datatype =
      sample instanceof Int16Array ? 'int16' : sample instanceof Uint16Array ? 'uint16' : sample instanceof Int8Array ? 'int8' : 'uint8';
    const Ctor = sample.constructor as Int16ArrayConstructor;
    const data = new Ctor(plane * sorted.length);
    planes.forEach((pixels, k) => data.set(pixels as Int16Array, k * plane));
    const identity = first.slope === 1 && first.intercept === 0;
    return { dims, datatype, data, ...(identity ? {} : { scaling: { slope: first.slope, inter: first.intercept } }) };
  }
  const data = new Float32Array(plane * sorted.length);
  planes.forEach((pixels, k) => {
    const { slope, intercept } = sorted[k]!;
    for (let i = 0; i < plane; i += 1) data[k * plane + i] = pixels[i]! * slope + intercept;
  });
  return { dims, datatype: 'float32', data };
}

function checkConsistent(first: DicomSlice, slice: DicomSlice): void {
  const fail = (what: string, details: Record<string, unknown>): never => {
    throw new DicomError(
      'DICOM_INCONSISTENT_SERIES',
      `${slice.file}: ${what} differs from ${first.file}, so the slices cannot form one volume`,
      {
        details: { file: slice.file, reference: first.file, ...details },
      },
    );
  };
  if (slice.rows !== first.rows || slice.columns !== first.columns)
    fail('the image size', { size: [slice.rows, slice.columns], expected: [first.rows, first.columns] });
  if (slice.orientation.some((v, i) => Math.abs(v - first.orientation[i]!) > ORIENTATION_TOLERANCE)) fail('the orientation', {});
  if (slice.pixelSpacing.some((v, i) => Math.abs(v - first.pixelSpacing[i]!) > SPACING_TOLERANCE))
    fail('the pixel spacing', { spacing: slice.pixelSpacing, expected: first.pixelSpacing });
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function subtract(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function scale(a: Vec3, f: number): Vec3 {
  return [a[0] * f, a[1] * f, a[2] * f];
}
