import type { NiftiHeader } from './header.js';
import { NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES } from './header-decode.js';

/**
 * Encodes a header, its extension flag and its extensions, little-endian, into exactly `voxOffset`
 * bytes (zero padding after the extensions).
 */
export function encodeHeader(header: NiftiHeader): Uint8Array {
  const out = new Uint8Array(header.voxOffset);
  const view = new DataView(out.buffer);
  if (header.version === 1) encode1(out, view, header);
  else encode2(out, view, header);
  const start = header.version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (header.extensions.length > 0) {
    out[start] = 1;
    let offset = start + 4;
    for (const extension of header.extensions) {
      const size = extensionSize(extension.data.length);
      view.setInt32(offset, size, true);
      view.setInt32(offset + 4, extension.code, true);
      out.set(extension.data, offset + 8);
      offset += size;
    }
  }
  return out;
}

/** The on-disk size of an extension with `payload` bytes: 8 bytes of size and code, padded to 16. */
export function extensionSize(payload: number): number {
  return Math.ceil((payload + 8) / 16) * 16;
}

function encode1(out: Uint8Array, v: DataView, h: NiftiHeader): void {
  const f32 = (o: number, x: number): void => v.setFloat32(o, x, true);
  const i16 = (o: number, x: number): void => v.setInt16(o, x, true);
  v.setInt32(0, NIFTI1_HEADER_BYTES, true);
  text(out, 4, 10, h.dataType);
  text(out, 14, 18, h.dbName);
  out[38] = 'r'.charCodeAt(0);
  out[39] = h.dimInfo;
  h.dim.forEach((x, i) => i16(40 + 2 * i, x));
  f32(56, h.intentP1);
  f32(60, h.intentP2);
  f32(64, h.intentP3);
  i16(68, h.intentCode);
  i16(70, h.datatype);
  i16(72, h.bitpix);
  i16(74, h.sliceStart);
  h.pixdim.forEach((x, i) => f32(76 + 4 * i, x));
  f32(108, h.voxOffset);
  f32(112, h.sclSlope);
  f32(116, h.sclInter);
  i16(120, h.sliceEnd);
  out[122] = h.sliceCode;
  out[123] = h.xyztUnits;
  f32(124, h.calMax);
  f32(128, h.calMin);
  f32(132, h.sliceDuration);
  f32(136, h.toffset);
  v.setInt32(140, h.glmax, true);
  v.setInt32(144, h.glmin, true);
  text(out, 148, 80, h.descrip);
  text(out, 228, 24, h.auxFile);
  i16(252, h.qformCode);
  i16(254, h.sformCode);
  f32(256, h.quaternB);
  f32(260, h.quaternC);
  f32(264, h.quaternD);
  f32(268, h.qoffsetX);
  f32(272, h.qoffsetY);
  f32(276, h.qoffsetZ);
  [h.srowX, h.srowY, h.srowZ].forEach((row, r) => row.forEach((x, c) => f32(280 + 16 * r + 4 * c, x)));
  text(out, 328, 16, h.intentName);
  text(out, 344, 4, h.magic);
}

function encode2(out: Uint8Array, v: DataView, h: NiftiHeader): void {
  const f64 = (o: number, x: number): void => v.setFloat64(o, x, true);
  const i64 = (o: number, x: number): void => v.setBigInt64(o, BigInt(x), true);
  v.setInt32(0, NIFTI2_HEADER_BYTES, true);
  text(out, 4, 4, h.magic);
  out.set([13, 10, 26, 10], 8);
  v.setInt16(12, h.datatype, true);
  v.setInt16(14, h.bitpix, true);
  h.dim.forEach((x, i) => i64(16 + 8 * i, x));
  f64(80, h.intentP1);
  f64(88, h.intentP2);
  f64(96, h.intentP3);
  h.pixdim.forEach((x, i) => f64(104 + 8 * i, x));
  i64(168, h.voxOffset);
  f64(176, h.sclSlope);
  f64(184, h.sclInter);
  f64(192, h.calMax);
  f64(200, h.calMin);
  f64(208, h.sliceDuration);
  f64(216, h.toffset);
  i64(224, h.sliceStart);
  i64(232, h.sliceEnd);
  text(out, 240, 80, h.descrip);
  text(out, 320, 24, h.auxFile);
  v.setInt32(344, h.qformCode, true);
  v.setInt32(348, h.sformCode, true);
  f64(352, h.quaternB);
  f64(360, h.quaternC);
  f64(368, h.quaternD);
  f64(376, h.qoffsetX);
  f64(384, h.qoffsetY);
  f64(392, h.qoffsetZ);
  [h.srowX, h.srowY, h.srowZ].forEach((row, r) => row.forEach((x, c) => f64(400 + 32 * r + 8 * c, x)));
  v.setInt32(496, h.sliceCode, true);
  v.setInt32(500, h.xyztUnits, true);
  v.setInt32(504, h.intentCode, true);
  text(out, 508, 16, h.intentName);
  out[524] = h.dimInfo;
}

/** Writes ASCII text, truncated to leave room for a terminating NUL, other characters as '?'. */
function text(out: Uint8Array, offset: number, length: number, value: string): void {
  const limit = Math.min(value.length, length - 1);
  for (let i = 0; i < limit; i += 1) {
    const code = value.charCodeAt(i);
    out[offset + i] = code >= 0x20 && code < 0x7f ? code : 0x3f;
  }
}
