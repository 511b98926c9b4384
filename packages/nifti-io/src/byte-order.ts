/**
 * Reverses the bytes of every `width`-byte word in place: big-endian files become machine order.
 * Works on the raw bytes so that one loop serves every datatype.
 */
export function swapBytesInPlace(bytes: Uint8Array, width: 1 | 2 | 4 | 8): void {
  if (width === 1) return;
  const n = bytes.length - (bytes.length % width);
  if (width === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = t;
    }
    return;
  }
  const half = width / 2;
  for (let i = 0; i < n; i += width) {
    for (let k = 0; k < half; k += 1) {
      const a = i + k;
      const b = i + width - 1 - k;
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Whether this machine stores numbers little-endian (every platform Node and browsers run on, in practice). */
export const MACHINE_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
