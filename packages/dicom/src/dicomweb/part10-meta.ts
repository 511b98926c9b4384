/**
 * The SOP Instance UID of a DICOM Part-10 file, read from its file meta information (group 0002, always
 * explicit VR little endian), without parsing the dataset: enough to name a retrieved instance.
 */

const latin1 = new TextDecoder('latin1');
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

/**
 * The Media Storage SOP Instance UID (0002,0003) of a Part-10 file, or `undefined` when the bytes have no
 * "DICM" preamble or no such element.
 *
 * @example
 * ```ts
 * const name = `${part10SopInstanceUid(bytes) ?? 'instance'}.dcm`;
 * ```
 */
export function part10SopInstanceUid(bytes: Uint8Array): string | undefined {
  if (bytes.length < 132 || latin1.decode(bytes.subarray(128, 132)) !== 'DICM') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 132;
  while (offset + 8 <= bytes.length) {
    const group = view.getUint16(offset, true);
    const element = view.getUint16(offset + 2, true);
    if (group !== 0x0002) return undefined;
    const vr = latin1.decode(bytes.subarray(offset + 4, offset + 6));
    let length: number;
    let header: number;
    if (LONG_VRS.has(vr)) {
      if (offset + 12 > bytes.length) return undefined;
      length = view.getUint32(offset + 8, true);
      header = 12;
    } else {
      length = view.getUint16(offset + 6, true);
      header = 8;
    }
    const start = offset + header;
    if (start + length > bytes.length) return undefined;
    if (element === 0x0003) return latin1.decode(bytes.subarray(start, start + length)).replace(/[\0 ]+$/, '');
    offset = start + length;
  }
  return undefined;
}
