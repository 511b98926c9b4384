/** A growing list of byte chunks: kept elements are views into the source, never copied until the end. */
export class ByteSink {
  readonly parts: Uint8Array[] = [];
  length = 0;

  push(part: Uint8Array): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.length += part.length;
  }

  append(other: ByteSink): void {
    for (const part of other.parts) this.push(part);
  }

  /** One copy of everything, at the end. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UNDEFINED = 0xffffffff;

/** An element header in little endian, explicit or implicit VR; `length` undefined for undefined length. */
export function elementHeader(tag: number, vr: string, length: number | undefined, explicit: boolean): Uint8Array {
  const len = length ?? UNDEFINED;
  if (!explicit) {
    const h = new Uint8Array(8);
    writeTag(h, 0, tag);
    writeU32(h, 4, len);
    return h;
  }
  if (LONG_VRS.has(vr)) {
    const h = new Uint8Array(12);
    writeTag(h, 0, tag);
    h[4] = vr.charCodeAt(0);
    h[5] = vr.charCodeAt(1);
    writeU32(h, 8, len);
    return h;
  }
  const h = new Uint8Array(8);
  writeTag(h, 0, tag);
  h[4] = vr.charCodeAt(0);
  h[5] = vr.charCodeAt(1);
  h[6] = len & 0xff;
  h[7] = (len >>> 8) & 0xff;
  return h;
}

/** An item (`FFFE,E000`), item delimiter or sequence delimiter header. */
export function itemHeader(tag: 0xfffee000 | 0xfffee00d | 0xfffee0dd, length: number | undefined): Uint8Array {
  const h = new Uint8Array(8);
  writeTag(h, 0, tag);
  writeU32(h, 4, length ?? UNDEFINED);
  return h;
}

/** A text value as bytes (latin1, one byte per code unit), padded to even length as its VR asks. */
export function encodeText(vr: string, text: string): Uint8Array {
  const padded = text.length % 2 === 1 ? text + (vr === 'UI' ? '\0' : ' ') : text;
  const out = new Uint8Array(padded.length);
  for (let i = 0; i < padded.length; i++) out[i] = padded.charCodeAt(i) & 0xff;
  return out;
}

/** Whether short values of this VR that can only be written as `elementHeader` allows (max 65534 bytes in explicit VR). */
export function fitsShortVr(vr: string, length: number): boolean {
  return LONG_VRS.has(vr) || length <= 0xfffe;
}

function writeTag(h: Uint8Array, at: number, tag: number): void {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  h[at] = group & 0xff;
  h[at + 1] = group >>> 8;
  h[at + 2] = element & 0xff;
  h[at + 3] = element >>> 8;
}

function writeU32(h: Uint8Array, at: number, v: number): void {
  h[at] = v & 0xff;
  h[at + 1] = (v >>> 8) & 0xff;
  h[at + 2] = (v >>> 16) & 0xff;
  h[at + 3] = (v >>> 24) & 0xff;
}
