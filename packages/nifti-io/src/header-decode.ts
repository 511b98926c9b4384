import { NiftiError } from './errors.js';
import type { NiftiExtension, NiftiHeader } from './header.js';

/** Size of the NIfTI-1 header, and of the NIfTI-2 header. */
export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/**
 * How many bytes are needed before {@link decodeHeader} can run: the fixed header plus the 4-byte
 * extension flag. Returns 0 when `bytes` is too short to tell the version yet.
 */
export function headerBytesNeeded(bytes: Uint8Array): number {
  if (bytes.length < 4) return 0;
  const version = detectVersion(bytes);
  return version.sizeofHdr;
}

/**
 * Decodes the fixed header (and, when present in `bytes`, the extensions up to `vox_offset`). Does no
 * semantic validation beyond what is needed to read it: see `validateHeader`.
 */
export function decodeHeader(bytes: Uint8Array): NiftiHeader {
  const { sizeofHdr, littleEndian } = detectVersion(bytes);
  if (bytes.length < sizeofHdr) {
    throw new NiftiError('NIFTI_TRUNCATED', `the input ends after ${bytes.length} bytes, inside the ${sizeofHdr}-byte NIfTI header`, {
      details: { length: bytes.length, needed: sizeofHdr },
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = sizeofHdr === NIFTI1_HEADER_BYTES ? decode1(bytes, view, littleEndian) : decode2(bytes, view, littleEndian);
  const extensions = decodeExtensions(bytes, view, sizeofHdr, header.voxOffset, littleEndian, header.magic);
  return { ...header, extensions };
}

function detectVersion(bytes: Uint8Array): { sizeofHdr: 348 | 540; littleEndian: boolean } {
  if (bytes.length < 4) {
    throw new NiftiError('NIFTI_TRUNCATED', `the input has ${bytes.length} bytes, too few for a NIfTI header`, {
      details: { length: bytes.length },
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_HEADER_BYTES || size === NIFTI2_HEADER_BYTES) return { sizeofHdr: size, littleEndian };
  }
  throw new NiftiError('NIFTI_NOT_NIFTI', `not a NIfTI file: sizeof_hdr is ${view.getInt32(0, true)}, expected 348 or 540`, {
    details: { field: 'sizeof_hdr', value: view.getInt32(0, true) },
  });
}

type FixedHeader = Omit<NiftiHeader, 'extensions'>;

function decode1(bytes: Uint8Array, v: DataView, le: boolean): FixedHeader {
  const magic = text(bytes, 344, 4);
  if (magic !== 'n+1' && magic !== 'ni1') {
    throw new NiftiError('NIFTI_NOT_NIFTI', `not a NIfTI-1 file: magic is ${JSON.stringify(magic)}, expected "n+1" or "ni1"`, {
      details: { field: 'magic', value: magic },
    });
  }
  const f32 = (o: number): number => v.getFloat32(o, le);
  const i16 = (o: number): number => v.getInt16(o, le);
  return {
    version: 1,
    littleEndian: le,
    magic,
    sizeofHdr: NIFTI1_HEADER_BYTES,
    dataType: text(bytes, 4, 10),
    dbName: text(bytes, 14, 18),
    dimInfo: v.getUint8(39),
    dim: range(8).map((i) => i16(40 + 2 * i)),
    intentP1: f32(56),
    intentP2: f32(60),
    intentP3: f32(64),
    intentCode: i16(68),
    datatype: i16(70),
    bitpix: i16(72),
    sliceStart: i16(74),
    pixdim: range(8).map((i) => f32(76 + 4 * i)),
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    sliceEnd: i16(120),
    sliceCode: v.getUint8(122),
    xyztUnits: v.getUint8(123),
    calMax: f32(124),
    calMin: f32(128),
    sliceDuration: f32(132),
    toffset: f32(136),
    glmax: v.getInt32(140, le),
    glmin: v.getInt32(144, le),
    descrip: text(bytes, 148, 80),
    auxFile: text(bytes, 228, 24),
    qformCode: i16(252),
    sformCode: i16(254),
    quaternB: f32(256),
    quaternC: f32(260),
    quaternD: f32(264),
    qoffsetX: f32(268),
    qoffsetY: f32(272),
    qoffsetZ: f32(276),
    srowX: row(f32, 280),
    srowY: row(f32, 296),
    srowZ: row(f32, 312),
    intentName: text(bytes, 328, 16),
  };
}

function decode2(bytes: Uint8Array, v: DataView, le: boolean): FixedHeader {
  const magic = text(bytes, 4, 4);
  const tail = [...bytes.subarray(8, 12)];
  if ((magic !== 'n+2' && magic !== 'ni2') || tail.join() !== '13,10,26,10') {
    throw new NiftiError(
      'NIFTI_NOT_NIFTI',
      `not a NIfTI-2 file: magic is ${JSON.stringify(magic)}, expected "n+2" or "ni2" and \\r\\n\\x1a\\n`,
      {
        details: { field: 'magic', value: magic },
      },
    );
  }
  const f64 = (o: number): number => v.getFloat64(o, le);
  const i64 = (o: number, field: string): number => {
    const value = v.getBigInt64(o, le);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new NiftiError('NIFTI_INVALID_HEADER', `${field} is ${value}, beyond what any file can hold`, {
        details: { field, value: value.toString() },
      });
    }
    return Number(value);
  };
  const i32 = (o: number): number => v.getInt32(o, le);
  return {
    version: 2,
    littleEndian: le,
    magic,
    sizeofHdr: NIFTI2_HEADER_BYTES,
    dataType: '',
    dbName: '',
    datatype: v.getInt16(12, le),
    bitpix: v.getInt16(14, le),
    dim: range(8).map((i) => i64(16 + 8 * i, `dim[${i}]`)),
    intentP1: f64(80),
    intentP2: f64(88),
    intentP3: f64(96),
    pixdim: range(8).map((i) => f64(104 + 8 * i)),
    voxOffset: i64(168, 'vox_offset'),
    sclSlope: f64(176),
    sclInter: f64(184),
    calMax: f64(192),
    calMin: f64(200),
    sliceDuration: f64(208),
    toffset: f64(216),
    sliceStart: i64(224, 'slice_start'),
    sliceEnd: i64(232, 'slice_end'),
    descrip: text(bytes, 240, 80),
    auxFile: text(bytes, 320, 24),
    qformCode: i32(344),
    sformCode: i32(348),
    quaternB: f64(352),
    quaternC: f64(360),
    quaternD: f64(368),
    qoffsetX: f64(376),
    qoffsetY: f64(384),
    qoffsetZ: f64(392),
    srowX: row(f64, 400, 8),
    srowY: row(f64, 432, 8),
    srowZ: row(f64, 464, 8),
    sliceCode: i32(496),
    xyztUnits: i32(500),
    intentCode: i32(504),
    intentName: text(bytes, 508, 16),
    dimInfo: v.getUint8(524),
    glmax: 0,
    glmin: 0,
  };
}

/**
 * The most extension blocks a header may carry. Real files carry a handful; without a bound, 60 MiB of
 * 16-byte blocks (a 60 KB gzip file) made four million objects and took seconds.
 */
export const MAX_EXTENSIONS = 4096;

/**
 * Reads the extension blocks. They exist only when the 4-byte flag after the header is non-zero, and
 * in a single file they must end at or before `vox_offset`.
 */
function decodeExtensions(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  voxOffset: number,
  le: boolean,
  magic: string,
): NiftiExtension[] {
  if (bytes.length < start + 4 || bytes[start] === 0) return [];
  const single = magic === 'n+1' || magic === 'n+2';
  // In a single file the extensions end at vox_offset; in a header-only file they end at the file's end.
  const end = single ? voxOffset : bytes.length;
  const extensions: NiftiExtension[] = [];
  let offset = start + 4;
  while (offset + 8 <= end) {
    if (offset + 8 > bytes.length) throw truncatedExtension(offset, bytes.length);
    const size = view.getInt32(offset, le);
    const code = view.getInt32(offset + 4, le);
    if (size < 16 || size % 16 !== 0 || offset + size > end) {
      throw new NiftiError(
        'NIFTI_INVALID_EXTENSION',
        `extension at byte ${offset} has size ${size}: it must be a multiple of 16 and end by byte ${end}`,
        {
          details: { offset, size, end },
        },
      );
    }
    if (offset + size > bytes.length) throw truncatedExtension(offset + size, bytes.length);
    if (extensions.length === MAX_EXTENSIONS) {
      throw new NiftiError('NIFTI_INVALID_EXTENSION', `the header carries more than ${MAX_EXTENSIONS} extensions`, {
        details: { offset, limit: MAX_EXTENSIONS },
      });
    }
    extensions.push({ code, data: bytes.slice(offset + 8, offset + size) });
    offset += size;
  }
  return extensions;
}

function truncatedExtension(needed: number, length: number): NiftiError {
  return new NiftiError('NIFTI_TRUNCATED', `the input ends after ${length} bytes, inside an extension that needs ${needed}`, {
    details: { length, needed },
  });
}

function text(bytes: Uint8Array, offset: number, length: number): string {
  const field = bytes.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  // Header strings are ASCII by the standard; latin1 decoding never fails on stray bytes.
  let out = '';
  for (const byte of nul === -1 ? field : field.subarray(0, nul)) out += String.fromCharCode(byte);
  return out;
}

function row(read: (offset: number) => number, offset: number, step = 4): [number, number, number, number] {
  return [read(offset), read(offset + step), read(offset + 2 * step), read(offset + 3 * step)];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
