/** An extension block stored between the header and the voxel data (`esize`, `ecode`, data). */
export interface NiftiExtension {
  /** The extension code registered with NIfTI (e.g. 2 = DICOM, 4 = AFNI, 6 = comment, 44 = JSON). */
  readonly code: number;
  /** The extension's payload, without the 8-byte size/code prefix (padding included). */
  readonly data: Uint8Array;
}

/**
 * Every field of a NIfTI-1 or NIfTI-2 header, decoded into native numbers and strings. NIfTI-2 widens
 * some fields (int64 dims, float64 pixdim and matrices); they are all plain numbers here. Field names
 * follow the standard, in camelCase.
 */
export interface NiftiHeader {
  /** 1 for NIfTI-1 (348-byte header), 2 for NIfTI-2 (540 bytes). */
  readonly version: 1 | 2;
  /** Byte order of the file. Volumes are always returned in the machine's (little-endian) order. */
  readonly littleEndian: boolean;
  /** `'n+1'`/`'n+2'` for single files; `'ni1'`/`'ni2'` for a header whose voxels live in a separate `.img`. */
  readonly magic: 'n+1' | 'ni1' | 'n+2' | 'ni2';
  /** `sizeof_hdr`: 348 or 540. */
  readonly sizeofHdr: 348 | 540;
  /** `dim[0..7]` as stored: `dim[0]` is the number of dimensions. */
  readonly dim: readonly number[];
  readonly intentP1: number;
  readonly intentP2: number;
  readonly intentP3: number;
  readonly intentCode: number;
  /** The NIfTI datatype code (see `datatypeByCode`). */
  readonly datatype: number;
  readonly bitpix: number;
  readonly sliceStart: number;
  /** `pixdim[0..7]` as stored: `pixdim[0]` is qfac, `pixdim[1..3]` voxel sizes, `pixdim[4]` the time step. */
  readonly pixdim: readonly number[];
  /** Byte offset of the voxel data in the file. */
  readonly voxOffset: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly sliceEnd: number;
  readonly sliceCode: number;
  readonly xyztUnits: number;
  readonly calMax: number;
  readonly calMin: number;
  readonly sliceDuration: number;
  readonly toffset: number;
  readonly descrip: string;
  readonly auxFile: string;
  readonly qformCode: number;
  readonly sformCode: number;
  readonly quaternB: number;
  readonly quaternC: number;
  readonly quaternD: number;
  readonly qoffsetX: number;
  readonly qoffsetY: number;
  readonly qoffsetZ: number;
  readonly srowX: readonly [number, number, number, number];
  readonly srowY: readonly [number, number, number, number];
  readonly srowZ: readonly [number, number, number, number];
  readonly intentName: string;
  readonly dimInfo: number;
  /** NIfTI-1 only (ANALYZE 7.5 leftovers); empty or 0 in NIfTI-2. */
  readonly dataType: string;
  readonly dbName: string;
  readonly glmax: number;
  readonly glmin: number;
  /** The extension blocks between header and data. */
  readonly extensions: readonly NiftiExtension[];
}

/** `xform` codes: what the world coordinates of a qform or sform are relative to. */
export const XFORM_CODES = Object.freeze({
  unknown: 0,
  scannerAnat: 1,
  alignedAnat: 2,
  talairach: 3,
  mni152: 4,
  templateOther: 5,
});

/** The NIfTI intent code of a label volume (`NIFTI_INTENT_LABEL`). */
export const INTENT_LABEL = 1002;
