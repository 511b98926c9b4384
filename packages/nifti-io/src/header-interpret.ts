import { affineFromGeometry, determinant3, IDENTITY3, type Mat4 } from './affine.js';
import { datatypeByCode, type DatatypeInfo } from './datatypes.js';
import { NiftiError } from './errors.js';
import type { NiftiHeader } from './header.js';
import { qformToAffine } from './quaternion.js';

/** What a header means, after validation: the facts needed to read and place the voxels. */
export interface HeaderMeaning {
  readonly dims: readonly number[];
  readonly voxels: number;
  readonly datatype: DatatypeInfo;
  /** Bytes of voxel data that follow `vox_offset`. */
  readonly dataBytes: number;
  readonly voxOffset: number;
  /** Voxel index to RAS+ millimetres, chosen by the standard's precedence (sform, qform, pixdim). */
  readonly affine: Mat4;
  /** Which of the three methods gave the affine. */
  readonly affineSource: 'sform' | 'qform' | 'pixdim';
}

/** Space units (`xyzt_units & 7`) and their factor to millimetres. 0 (unknown) is read as mm, as every tool does. */
const SPACE_UNIT_TO_MM: ReadonlyMap<number, number> = new Map([
  [0, 1],
  [1, 1000],
  [2, 1],
  [3, 0.001],
]);

/**
 * Validates a decoded header and derives dims, datatype, data size and the affine.
 *
 * The affine follows the NIfTI-1 standard's precedence: the sform when `sform_code > 0` (method 3),
 * else the qform when `qform_code > 0` (method 2), else a plain scaling by pixdim (method 1). World
 * units are converted to millimetres.
 *
 * @throws {NiftiError} `NIFTI_INVALID_HEADER`, `NIFTI_INVALID_PIXDIM`, `NIFTI_UNSUPPORTED_DATATYPE`.
 */
export function interpretHeader(header: NiftiHeader): HeaderMeaning {
  const dims = validDims(header);
  const voxels = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(voxels)) invalid('dim', header.dim, `the dims ${dims.join('x')} describe more voxels than any file can hold`);
  const datatype = datatypeByCode(header.datatype);
  const dataBytes = voxels * datatype.componentBytes * datatype.components;
  const voxOffset = validVoxOffset(header);
  checkPixdim(header, dims.length);
  const { affine, affineSource } = chooseAffine(header, dims.length);
  return { dims, voxels, datatype, dataBytes, voxOffset, affine, affineSource };
}

function validDims(header: NiftiHeader): number[] {
  const rank = header.dim[0] ?? 0;
  if (!Number.isInteger(rank) || rank < 1 || rank > 7) {
    invalid('dim[0]', rank, `dim[0] is ${rank}: the number of dimensions must be 1 to 7`);
  }
  const dims = header.dim.slice(1, rank + 1);
  dims.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) invalid(`dim[${i + 1}]`, n, `dim[${i + 1}] is ${n}: every dimension needs at least one voxel`);
  });
  return dims;
}

function validVoxOffset(header: NiftiHeader): number {
  const { voxOffset, magic, sizeofHdr } = header;
  if (!Number.isFinite(voxOffset) || !Number.isInteger(voxOffset) || voxOffset < 0) {
    invalid('vox_offset', voxOffset, `vox_offset is ${voxOffset}: it must be a whole, non-negative byte offset`);
  }
  if ((magic === 'n+1' || magic === 'n+2') && voxOffset < sizeofHdr) {
    invalid(
      'vox_offset',
      voxOffset,
      `vox_offset is ${voxOffset}: in a single-file NIfTI the data cannot start inside the ${sizeofHdr}-byte header`,
    );
  }
  return voxOffset;
}

function chooseAffine(header: NiftiHeader, rank: number): { affine: Mat4; affineSource: HeaderMeaning['affineSource'] } {
  const toMm = SPACE_UNIT_TO_MM.get(header.xyztUnits & 7) ?? 1;
  if (header.sformCode > 0) {
    const rows = [header.srowX, header.srowY, header.srowZ];
    if (rows.some((r) => r.some((x) => !Number.isFinite(x)))) {
      invalid('srow', rows, 'the sform holds a NaN or infinite value');
    }
    const affine = scale([...rows, [0, 0, 0, 1]] as unknown as Mat4, toMm);
    if (determinant3(affine) === 0) invalid('srow', rows, 'the sform is singular: it maps the grid onto a plane');
    return { affine, affineSource: 'sform' };
  }
  const pixdim = spatialPixdim(header, rank);
  if (header.qformCode > 0) {
    const quaternion = [header.quaternB, header.quaternC, header.quaternD];
    const offsets = [header.qoffsetX, header.qoffsetY, header.qoffsetZ];
    if ([...quaternion, ...offsets].some((x) => !Number.isFinite(x))) {
      invalid('quatern', [...quaternion, ...offsets], 'the qform holds a NaN or infinite value');
    }
    const qfac = header.pixdim[0] === -1 ? -1 : 1;
    const affine = qformToAffine({
      quaternB: header.quaternB,
      quaternC: header.quaternC,
      quaternD: header.quaternD,
      qoffset: [header.qoffsetX, header.qoffsetY, header.qoffsetZ],
      pixdim,
      qfac,
    });
    return { affine: scale(affine, toMm), affineSource: 'qform' };
  }
  return {
    affine: scale(affineFromGeometry({ spacingMm: pixdim, originMm: [0, 0, 0], direction: IDENTITY3 }), toMm),
    affineSource: 'pixdim',
  };
}

/** Every pixdim of a used dimension must be a finite, non-negative number, whichever affine is used. */
function checkPixdim(header: NiftiHeader, rank: number): void {
  for (let i = 1; i <= rank; i += 1) {
    const value = header.pixdim[i] ?? Number.NaN;
    if (!Number.isFinite(value) || value < 0) {
      throw new NiftiError('NIFTI_INVALID_PIXDIM', `pixdim[${i}] is ${value}: a voxel size must be a finite, non-negative number`, {
        details: { field: `pixdim[${i}]`, value },
      });
    }
  }
}

/** pixdim[1..3] for a qform or method-1 affine: finite and positive (1 for axes beyond the rank). */
function spatialPixdim(header: NiftiHeader, rank: number): [number, number, number] {
  return [1, 2, 3].map((i) => {
    const value = header.pixdim[i] ?? Number.NaN;
    if (i > rank && !(value > 0 && Number.isFinite(value))) return 1;
    if (!Number.isFinite(value) || value <= 0) {
      throw new NiftiError('NIFTI_INVALID_PIXDIM', `pixdim[${i}] is ${value}: a voxel size must be a positive number`, {
        details: { field: `pixdim[${i}]`, value },
      });
    }
    return value;
  }) as [number, number, number];
}

function scale(affine: Mat4, factor: number): Mat4 {
  if (factor === 1) return affine;
  return affine.map((row, r) => (r === 3 ? row : row.map((x) => x * factor))) as unknown as Mat4;
}

function invalid(field: string, value: unknown, message: string): never {
  throw new NiftiError('NIFTI_INVALID_HEADER', message, { details: { field, value } });
}
