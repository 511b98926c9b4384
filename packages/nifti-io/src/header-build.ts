import { determinant3, type Mat4 } from './affine.js';
import { datatypeByName, matchesDatatype } from './datatypes.js';
import { NiftiError } from './errors.js';
import { NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES } from './header-decode.js';
import { extensionSize } from './header-encode.js';
import type { NiftiHeader } from './header.js';
import { affineToQform } from './quaternion.js';
import type { Volume } from './volume.js';

/** The largest dimension NIfTI-1 can store (its dims are int16). */
const NIFTI1_MAX_DIM = 32767;

/**
 * Builds the header that writes `volume`: NIfTI-1 unless a dimension needs NIfTI-2 (or `version`
 * asks for it), sform equal to the affine, qform the same rigid transform whenever the affine has no
 * shear (else qform_code 0, so no reader can pick a wrong one), pixdim the voxel sizes.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` when the volume is inconsistent.
 */
export function buildHeader(volume: Volume, version?: 1 | 2): NiftiHeader {
  validateVolume(volume);
  const info = datatypeByName(volume.datatype);
  const needs2 = volume.dims.some((n) => n > NIFTI1_MAX_DIM);
  const v: 1 | 2 = version ?? (needs2 ? 2 : 1);
  if (v === 1 && needs2) {
    throw new NiftiError(
      'NIFTI_INVALID_VOLUME',
      `dims ${volume.dims.join('x')} exceed NIfTI-1's limit of ${NIFTI1_MAX_DIM}: write NIfTI-2`,
      {
        details: { dims: volume.dims },
      },
    );
  }
  const { affine } = volume;
  const spacing = ([0, 1, 2] as const).map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]));
  const qform = affineToQform(affine);
  const xformCode = volume.xformCode ?? 1;
  const rank = volume.dims.length;
  const pixdim = [qform?.qfac ?? 1, ...[1, 2, 3, 4, 5, 6, 7].map((i) => (i <= 3 ? spacing[i - 1]! : (volume.pixdim?.[i - 1] ?? 1)))];
  const extensions = volume.extensions ?? [];
  const headerBytes = v === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  const voxOffset = headerBytes + 4 + extensions.reduce((sum, e) => sum + extensionSize(e.data.length), 0);
  const row = (r: 0 | 1 | 2): readonly [number, number, number, number] => [affine[r][0], affine[r][1], affine[r][2], affine[r][3]];
  return {
    version: v,
    littleEndian: true,
    magic: v === 1 ? 'n+1' : 'n+2',
    sizeofHdr: headerBytes,
    dim: [rank, ...[1, 2, 3, 4, 5, 6, 7].map((i) => volume.dims[i - 1] ?? 1)],
    intentP1: volume.intent?.params?.[0] ?? 0,
    intentP2: volume.intent?.params?.[1] ?? 0,
    intentP3: volume.intent?.params?.[2] ?? 0,
    intentCode: volume.intent?.code ?? 0,
    datatype: info.code,
    bitpix: info.bitpix,
    sliceStart: 0,
    pixdim,
    voxOffset,
    sclSlope: volume.scaling?.slope ?? 1,
    sclInter: volume.scaling?.inter ?? 0,
    sliceEnd: 0,
    sliceCode: 0,
    // Space is always millimetres (the affine is in mm); time keeps the volume's unit.
    xyztUnits: 2 | (volume.timeUnits ?? (rank > 3 ? 8 : 0)),
    calMax: volume.calibration?.max ?? 0,
    calMin: volume.calibration?.min ?? 0,
    sliceDuration: 0,
    toffset: 0,
    descrip: volume.description ?? '',
    auxFile: '',
    qformCode: qform ? xformCode : 0,
    sformCode: xformCode,
    quaternB: qform?.quaternB ?? 0,
    quaternC: qform?.quaternC ?? 0,
    quaternD: qform?.quaternD ?? 0,
    qoffsetX: affine[0][3],
    qoffsetY: affine[1][3],
    qoffsetZ: affine[2][3],
    srowX: row(0),
    srowY: row(1),
    srowZ: row(2),
    intentName: volume.intent?.name ?? '',
    dimInfo: 0,
    dataType: '',
    dbName: '',
    glmax: 0,
    glmin: 0,
    extensions,
  };
}

/**
 * Checks that a volume can be written as it claims to be.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` naming the inconsistency.
 */
export function validateVolume(volume: Volume): void {
  const { dims, data, affine } = volume;
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new NiftiError('NIFTI_INVALID_VOLUME', message, { details });
  };
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 7) fail(`dims must list 1 to 7 sizes, got ${String(dims)}`, { dims });
  for (const n of dims)
    if (!Number.isSafeInteger(n) || n < 1) fail(`every dim must be a positive integer, got ${dims.join('x')}`, { dims });
  const info = datatypeByName(volume.datatype);
  if (!ArrayBuffer.isView(data) || !matchesDatatype(data, volume.datatype)) {
    fail(`datatype ${volume.datatype} needs a ${info.view(new ArrayBuffer(8), 0, 0).constructor.name} of voxel data`, {
      datatype: volume.datatype,
    });
  }
  const expected = dims.reduce((a, b) => a * b, 1) * info.components;
  if (data.length !== expected) {
    fail(`dims ${dims.join('x')} of ${volume.datatype} need ${expected} values, the data has ${data.length}`, {
      dims,
      expected,
      actual: data.length,
    });
  }
  if (!isAffine(affine)) fail('affine must be a 4x4 matrix of finite numbers with last row [0, 0, 0, 1]', { affine });
  if (determinant3(affine) === 0) fail('affine is singular: it maps the grid onto a plane', { affine });
  if (volume.scaling && !(Number.isFinite(volume.scaling.slope) && volume.scaling.slope !== 0 && Number.isFinite(volume.scaling.inter))) {
    fail('scaling needs a finite, non-zero slope and a finite intercept', { scaling: volume.scaling });
  }
}

function isAffine(affine: unknown): affine is Mat4 {
  if (!Array.isArray(affine) || affine.length !== 4) return false;
  if (!affine.every((row) => Array.isArray(row) && row.length === 4 && row.every((x) => typeof x === 'number' && Number.isFinite(x))))
    return false;
  const last = affine[3] as number[];
  return last[0] === 0 && last[1] === 0 && last[2] === 0 && last[3] === 1;
}
