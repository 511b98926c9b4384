import type { Mat4, Volume } from '@medaas/nifti-io';
import { DicomError } from '../dicom-error.js';

/** Largest label a mask may carry: the SEG writer stores each label as one segment of an 8-bit label space. */
export const MAX_SEG_LABEL = 255;

/**
 * How far (mm, per affine entry) a mask's affine may differ from the source grid's and still be the same
 * grid: float32 round trips through NIfTI (qform/sform) move entries by about 1e-5 of their size.
 */
export const GRID_TOLERANCE_MM = 1e-3;

const INTEGER_TYPES = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);

/**
 * Checks that a mask lies on the source grid: same dims (a trailing singleton 4th dimension allowed) and
 * the same affine within {@link GRID_TOLERANCE_MM}.
 *
 * @throws {DicomError} `DICOM_SEG_GRID_MISMATCH` with `details.dims`, `details.expectedDims` and
 *   `details.maxAffineDifferenceMm`.
 */
export function checkGrid(mask: Volume, grid: { readonly dims: readonly number[]; readonly affine: Mat4 }): void {
  const dims = [...mask.dims];
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims.pop();
  const sameDims = dims.length === 3 && dims.every((d, i) => d === grid.dims[i]);
  let difference = 0;
  for (let r = 0; r < 3; r += 1)
    for (let c = 0; c < 4; c += 1) difference = Math.max(difference, Math.abs((mask.affine[r]?.[c] ?? Number.NaN) - grid.affine[r]![c]!));
  if (!Number.isFinite(difference)) difference = Number.POSITIVE_INFINITY;
  if (!sameDims || difference > GRID_TOLERANCE_MM) {
    const what = !sameDims
      ? `its dims are [${mask.dims.join(', ')}] where the source series has [${grid.dims.join(', ')}]`
      : `its affine differs from the source series' grid by up to ${difference.toFixed(4)} mm`;
    throw new DicomError(
      'DICOM_SEG_GRID_MISMATCH',
      `the mask is not on the source series' grid: ${what}; resample it onto the volume convertDicomSeries gives for the source first`,
      {
        details: { dims: [...mask.dims], expectedDims: [...grid.dims], maxAffineDifferenceMm: difference },
      },
    );
  }
}

/**
 * The labels a mask holds, ascending, after checking that it is a label mask: an integer datatype, no
 * scaling, one component, labels 0 to {@link MAX_SEG_LABEL}.
 *
 * @throws {DicomError} `DICOM_SEG_INVALID_LABEL` naming the datatype or the first bad voxel.
 */
export function labelsOf(mask: Volume): number[] {
  if (!INTEGER_TYPES.has(mask.datatype)) {
    throw new DicomError(
      'DICOM_SEG_INVALID_LABEL',
      `a mask of datatype ${mask.datatype} is not a label mask: labels are whole numbers in an integer datatype (toLabelMask of @medaas/nifti-io converts a 0/1 float mask)`,
      {
        details: { datatype: mask.datatype },
      },
    );
  }
  if (mask.scaling && (mask.scaling.slope !== 1 || mask.scaling.inter !== 0) && mask.scaling.slope !== 0) {
    throw new DicomError(
      'DICOM_SEG_INVALID_LABEL',
      `the mask has a scaling (slope ${mask.scaling.slope}, intercept ${mask.scaling.inter}): labels must be the stored values themselves`,
      {
        details: { slope: mask.scaling.slope, inter: mask.scaling.inter },
      },
    );
  }
  const voxels = mask.dims.reduce((a, b) => a * b, 1);
  const data = mask.data as ArrayLike<number>;
  if (data.length !== voxels) {
    throw new DicomError('DICOM_SEG_INVALID_LABEL', `the mask holds ${data.length} values for ${voxels} voxels`, {
      details: { values: data.length, voxels },
    });
  }
  const seen = new Uint8Array(MAX_SEG_LABEL + 1);
  for (let i = 0; i < voxels; i += 1) {
    const v = data[i]!;
    if (v < 0 || v > MAX_SEG_LABEL) {
      throw new DicomError(
        'DICOM_SEG_INVALID_LABEL',
        `voxel ${i} holds ${v}: labels of a DICOM Segmentation are 0 (background) to ${MAX_SEG_LABEL}`,
        { details: { voxel: i, value: v, max: MAX_SEG_LABEL } },
      );
    }
    seen[v] = 1;
  }
  const labels: number[] = [];
  for (let label = 1; label <= MAX_SEG_LABEL; label += 1) if (seen[label]) labels.push(label);
  return labels;
}
