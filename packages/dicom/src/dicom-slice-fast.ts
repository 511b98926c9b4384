// The ambient types of the untyped daikon package must reach every program that compiles this file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./daikon.d.ts" />
import daikon, { type DaikonImage, type DaikonTag } from 'daikon';

/**
 * The part of a parsed image that slice conversion reads: daikon's image, or the fast reader's stand-in
 * for it (which answers every getter exactly as daikon would for the same file).
 */
export type SliceImage = Pick<
  DaikonImage,
  | 'littleEndian'
  | 'getTag'
  | 'getRows'
  | 'getCols'
  | 'getSeriesInstanceUID'
  | 'getSeriesNumber'
  | 'getModality'
  | 'getImagePosition'
  | 'getImageDirections'
  | 'getPixelSpacing'
  | 'getDataScaleSlope'
  | 'getDataScaleIntercept'
  | 'getBitsAllocated'
  | 'getBitsStored'
  | 'getPixelRepresentation'
  | 'getNumberOfFrames'
  | 'getNumberOfSamplesPerPixel'
  | 'hasPixelData'
  | 'getPixelDataBytes'
  | 'isCompressed'
>;

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 32;

// daikon's own tables (parser.js): the VRs it knows, and the ones it reads with a 4-byte length and parses as
// item lists. OD is left out on purpose: daikon reads it with a 2-byte length, unlike the standard.
const KNOWN_VRS = new Set([
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FL',
  'FD',
  'IS',
  'LO',
  'LT',
  'OB',
  'OF',
  'OW',
  'PN',
  'SH',
  'SL',
  'SS',
  'ST',
  'TM',
  'UI',
  'UL',
  'UN',
  'US',
  'UT',
  'UC',
  'SQ',
]);
const DATA_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC']);
/** Binary VRs whose values daikon reads in a loop that throws unless the length is a multiple of the size. */
const BINARY_SIZE = new Map([
  ['AT', 2],
  ['US', 2],
  ['SS', 2],
  ['UL', 4],
  ['SL', 4],
  ['FL', 4],
  ['FD', 8],
]);

/** The attributes conversion reads, with the VR the fast reader decodes them as. */
const WANTED = new Map<number, string>([
  [0x0020000e, 'UI'], // Series Instance UID
  [0x00200011, 'IS'], // Series Number
  [0x00080060, 'CS'], // Modality
  [0x00280002, 'US'], // Samples per Pixel
  [0x00280008, 'IS'], // Number of Frames
  [0x00280010, 'US'], // Rows
  [0x00280011, 'US'], // Columns
  [0x00280100, 'US'], // Bits Allocated
  [0x00280101, 'US'], // Bits Stored
  [0x00280103, 'US'], // Pixel Representation
  [0x00200032, 'DS'], // Image Position (Patient)
  [0x00200037, 'DS'], // Image Orientation (Patient)
  [0x00280030, 'DS'], // Pixel Spacing
  [0x00281052, 'DS'], // Rescale Intercept
  [0x00281053, 'DS'], // Rescale Slope
]);
/** Top-level attributes that send a file to daikon: functional groups mean an enhanced image. */
const DECLINED = new Set([0x52009229, 0x52009230]);

/**
 * Thrown inside the reader for anything it does not recognise; caught at its entry, never escapes. One
 * instance made once: declining costs no stack trace.
 */
const DECLINE = new Error('not read by the fast reader');

type Value = string[] | number[] | null;

/** daikon's data dictionary, which its parser uses for the VRs of implicit VR data. */
type DaikonDictionary = { readonly Dictionary: { getVR(group: number, element: number): string } };

const vrCache = new Map<number, string>();
function dictionaryVr(tag: number): string {
  let vr = vrCache.get(tag);
  if (vr === undefined) {
    vr = (daikon as unknown as DaikonDictionary).Dictionary.getVR(tag >>> 16, tag & 0xffff);
    vrCache.set(tag, vr);
  }
  return vr;
}

/**
 * Reads the header of an uncompressed little-endian single-frame DICOM file without daikon's parser, or
 * returns undefined for anything else (other transfer syntaxes, multi-frame and enhanced images, and every
 * encoding this reader does not recognise or that daikon would read differently or refuse): the caller then
 * parses the file with daikon. It walks elements without decoding values, sequences item by item without
 * keeping them, decodes only the attributes conversion reads, and stops at Pixel Data.
 *
 * @example
 * ```ts
 * const image = readUncompressedImage(bytes) ?? daikon.Series.parseImage(new DataView(bytes.buffer));
 * ```
 */
export function readUncompressedImage(bytes: Uint8Array): SliceImage | undefined {
  try {
    return new FastReader(bytes).read();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

class FastReader {
  private explicit = true;
  private readonly n: number;
  private readonly found = new Map<number, Value>();
  private pixelStart = -1;
  private pixelLength = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.n = bytes.length;
  }

  private u16(at: number): number {
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  private u32(at: number): number {
    return (this.bytes[at]! | (this.bytes[at + 1]! << 8) | (this.bytes[at + 2]! << 16) | (this.bytes[at + 3]! << 24)) >>> 0;
  }

  private tagAt(at: number): number {
    return ((this.u16(at) << 16) | this.u16(at + 2)) >>> 0;
  }

  private need(at: number, count: number, limit = this.n): void {
    if (at + count > limit) throw DECLINE;
  }

  read(): SliceImage {
    const b = this.bytes;
    if (!(this.n >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d)) throw DECLINE;
    let at = this.readMeta(132);
    let previous = 0;
    for (;;) {
      this.need(at, 8);
      const tag = this.tagAt(at);
      // daikon keeps the first of two equal tags or fails on them; ascending order rules both out.
      if (tag <= previous || tag >>> 16 === 0x0002 || DECLINED.has(tag)) throw DECLINE;
      previous = tag;
      if (tag === PIXEL_DATA) {
        this.pixelData(at);
        break;
      }
      at = this.element(at, 0, true);
    }
    const frames = this.first(0x00280008);
    if (frames !== null && Math.max(1, (frames as number) || 1) !== 1) throw DECLINE;
    return this.image();
  }

  /** The file meta group (explicit VR): its end, with the data set's VR style taken from the transfer syntax. */
  private readMeta(start: number): number {
    let at = start;
    let metaEnd = -1;
    let previous = -1;
    let syntax: Value = null;
    while (at + 8 <= this.n && this.u16(at) === 0x0002 && (metaEnd === -1 || at < metaEnd)) {
      const tag = this.tagAt(at);
      if (tag <= previous) throw DECLINE;
      previous = tag;
      const valueAt = at + 8;
      const end = this.element(at, 0, false);
      if (tag === 0x00020000) {
        if (String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!) !== 'UL' || end - valueAt !== 4) throw DECLINE;
        metaEnd = this.u32(valueAt) + end;
      } else if (tag === 0x00020010) {
        if (String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!) !== 'UI') throw DECLINE;
        syntax = this.strings(valueAt, end - valueAt);
      }
      at = end;
    }
    if (previous === -1 || (metaEnd !== -1 && at !== metaEnd) || !syntax) throw DECLINE;
    if (syntax[0] === IMPLICIT_LE) this.explicit = false;
    else if (syntax[0] !== EXPLICIT_LE) throw DECLINE;
    return at;
  }

  /** Walks one element as daikon would read it; returns its end. `keep` records wanted top-level values. */
  private element(at: number, depth: number, keep: boolean): number {
    this.need(at, 8);
    const tag = this.tagAt(at);
    // Item tags out of place, nested pixel data, and a file meta element inside a sequence (daikon would
    // switch its transfer syntax on it) are left to daikon.
    if (tag >>> 16 === 0xfffe || tag === PIXEL_DATA || (depth > 0 && tag >>> 16 === 0x0002)) throw DECLINE;
    let vr: string;
    let length: number;
    let valueAt: number;
    if (this.explicit) {
      vr = String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!);
      if (!KNOWN_VRS.has(vr)) throw DECLINE;
      if (DATA_VRS.has(vr)) {
        this.need(at, 12);
        length = this.u32(at + 8);
        valueAt = at + 12;
      } else {
        length = this.u16(at + 6);
        valueAt = at + 8;
      }
    } else {
      length = this.u32(at + 4);
      valueAt = at + 8;
      vr = length === UNDEFINED ? 'SQ' : dictionaryVr(tag);
    }
    const wanted = keep ? WANTED.get(tag) : undefined;
    if (wanted !== undefined && wanted !== vr) throw DECLINE;
    const group = tag >>> 16;
    const element = tag & 0xffff;
    const lookupTable = group === 0x0028 && element >= 0x1201 && element < 0x1300;
    if (vr === 'SQ') return this.sequence(valueAt, length, depth + 1);
    if (length === UNDEFINED) throw DECLINE;
    const end = valueAt + length;
    if (end > this.n) throw DECLINE;
    if (!lookupTable && DATA_VRS.has(vr) && vr !== 'UC') {
      this.rawItems(valueAt, end);
      return end;
    }
    const size = BINARY_SIZE.get(vr);
    // FE (Elscint doubles) and OD values go through decoders this reader does not mirror.
    if ((size !== undefined && length % size !== 0) || vr === 'FE' || vr === 'OD') throw DECLINE;
    if (wanted !== undefined) this.found.set(tag, this.decode(vr, valueAt, length));
    return end;
  }

  /**
   * daikon reads the value of an OB, OW, OF, UT or UN element as a list of items (8-byte headers) and fails
   * when a header would run past the file: the same walk, to decline such files.
   */
  private rawItems(start: number, end: number): void {
    let p = start;
    while (p < end) {
      this.need(p, 8);
      const length = this.u32(p + 4);
      if (length === UNDEFINED) throw DECLINE;
      p += 8 + length;
    }
  }

  /** Walks a sequence's items (strictly well formed, or declined); returns the sequence's end. */
  private sequence(start: number, length: number, depth: number): number {
    if (depth > MAX_DEPTH) throw DECLINE;
    const undefinedLength = length === UNDEFINED;
    const stop = undefinedLength ? this.n : start + length;
    if (stop > this.n) throw DECLINE;
    let p = start;
    for (;;) {
      if (!undefinedLength && p === stop) return stop;
      this.need(p, 8, stop);
      const tag = this.tagAt(p);
      const itemLength = this.u32(p + 4);
      if (tag === SEQ_END && undefinedLength && itemLength === 0) return p + 8;
      if (tag !== ITEM) throw DECLINE;
      p = this.item(p + 8, itemLength, stop, depth);
    }
  }

  /** Walks one item's elements; returns the item's end. */
  private item(start: number, length: number, stop: number, depth: number): number {
    let q = start;
    if (length === UNDEFINED) {
      for (;;) {
        this.need(q, 8, stop);
        if (this.tagAt(q) === ITEM_END) {
          if (this.u32(q + 4) !== 0) throw DECLINE;
          return q + 8;
        }
        q = this.element(q, depth, false);
      }
    }
    const end = start + length;
    if (end > stop) throw DECLINE;
    while (q < end) q = this.element(q, depth, false);
    if (q !== end) throw DECLINE;
    return end;
  }

  private pixelData(at: number): void {
    let vr: string;
    let length: number;
    let valueAt: number;
    if (this.explicit) {
      this.need(at, 12);
      vr = String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!);
      length = this.u32(at + 8);
      valueAt = at + 12;
    } else {
      vr = dictionaryVr(PIXEL_DATA);
      length = this.u32(at + 4);
      valueAt = at + 8;
    }
    // Encapsulated, empty or truncated pixel data, or a VR daikon would decode as something else: daikon decides.
    if ((vr !== 'OB' && vr !== 'OW') || length === UNDEFINED || length === 0 || valueAt + length > this.n) throw DECLINE;
    this.pixelStart = valueAt;
    this.pixelLength = length;
  }

  /** A value decoded as daikon's Tag.convertValue does for these VRs. */
  private decode(vr: string, at: number, length: number): Value {
    if (length === 0) return null;
    if (vr === 'US') {
      const out: number[] = [];
      for (let i = 0; i < length; i += 2) out.push(this.u16(at + i));
      return out;
    }
    const parts = this.strings(at, length);
    if (vr === 'IS') return parts.map((s) => Number.parseInt(s, 10));
    if (vr === 'DS') return parts.map((s) => Number.parseFloat(s));
    return parts;
  }

  /** daikon's string reading: bytes as latin1 without NULs, split at backslashes, each part trimmed. */
  private strings(at: number, length: number): string[] {
    let s = '';
    for (let i = at; i < at + length; i += 1) {
      const c = this.bytes[i]!;
      if (c !== 0) s += String.fromCharCode(c);
    }
    return s.split('\\').map((part) => part.replace(/^\s\s*/, '').replace(/\s\s*$/, ''));
  }

  private first(tag: number): string | number | null {
    const value = this.found.get(tag);
    return value ? (value[0] ?? null) : null;
  }

  private all(tag: number): number[] | null {
    return (this.found.get(tag) as number[] | null | undefined) ?? null;
  }

  private image(): SliceImage {
    const pixels = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pixelStart, this.pixelLength);
    const pixelTag: DaikonTag = { value: pixels, sublist: false, group: 0x7fe0, element: 0x0010 };
    const num = (tag: number): number | null => this.first(tag) as number | null;
    // daikon's getters: a missing or empty attribute is null, otherwise the first value (possibly NaN).
    const image: SliceImage = {
      littleEndian: true,
      getTag: (group, element) => (group === 0x7fe0 && element === 0x0010 ? pixelTag : undefined),
      getRows: () => num(0x00280010),
      getCols: () => num(0x00280011),
      getSeriesInstanceUID: () => this.first(0x0020000e) as string | null,
      getSeriesNumber: () => num(0x00200011),
      getModality: () => this.first(0x00080060) as string | null,
      getImagePosition: () => this.all(0x00200032),
      getImageDirections: () => this.all(0x00200037),
      getPixelSpacing: () => this.all(0x00280030),
      getDataScaleSlope: () => num(0x00281053),
      getDataScaleIntercept: () => num(0x00281052),
      getBitsAllocated: () => num(0x00280100),
      getBitsStored: () => num(0x00280101),
      getPixelRepresentation: () => num(0x00280103),
      getNumberOfFrames: () => num(0x00280008) ?? 1,
      getNumberOfSamplesPerPixel: () => num(0x00280002) ?? 1,
      hasPixelData: () => true,
      getPixelDataBytes: () => pixels.buffer as ArrayBuffer,
      isCompressed: () => false,
    };
    return image;
  }
}
