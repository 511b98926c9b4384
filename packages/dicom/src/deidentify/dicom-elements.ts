import { DicomError } from '../dicom-error.js';

/**
 * A data element as found in the source bytes. Values are never decoded here: the de-identifier copies
 * kept elements byte for byte from `start` to `end`, so pixel data and every kept attribute stay identical.
 */
export interface DicomElement {
  /** `group << 16 | element`, unsigned. */
  readonly tag: number;
  /** The explicit VR, or for implicit VR the table's VR, `SQ` for a recognised sequence, else `UN`. */
  readonly vr: string;
  /** Byte range of the whole element (header and value) in the source. */
  readonly start: number;
  readonly end: number;
  /** Byte range of the value (for an undefined-length element, up to the delimiter). */
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly undefinedLength: boolean;
  /** The items of a sequence; undefined for other elements (and for encapsulated pixel data). */
  readonly items?: readonly DicomItem[];
  /** Whether a sequence's items are explicit VR (false for implicit data and for a `UN` holding a sequence). */
  readonly explicitContent?: boolean;
}

/** One item of a sequence. */
export interface DicomItem {
  readonly undefinedLength: boolean;
  readonly elements: readonly DicomElement[];
}

/** The parts of a DICOM file: the preamble and file meta group as raw elements, then the data set. */
export interface ParsedDicom {
  /** Bytes 0..131 when the file has a preamble and `DICM`, else absent. */
  readonly hasPreamble: boolean;
  readonly meta: readonly DicomElement[];
  readonly explicit: boolean;
  readonly dataset: readonly DicomElement[];
  readonly bytes: Uint8Array;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const MAX_DEPTH = 32;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;

/** Transfer syntaxes read as explicit VR little endian: the native one and every encapsulated one. */
const IMPLICIT_LE = '1.2.840.10008.1.2';
const UNSUPPORTED_TS = new Map([
  ['1.2.840.10008.1.2.2', 'explicit VR big endian'],
  ['1.2.840.10008.1.2.1.99', 'deflated explicit VR little endian'],
]);

/** Options of {@link parseDicom}. */
export interface ParseDicomOptions {
  /** Used in error messages only. */
  readonly file: string;
  /** The VR of a tag for implicit-VR data, when known. */
  readonly vrOf: (tag: number) => string | undefined;
}

/**
 * Splits a DICOM file into its file meta elements and data set elements, sequences into items,
 * without decoding values.
 *
 * @throws {DicomError} `DICOM_INVALID_FILE` for truncated or malformed encodings, `DICOM_UNSUPPORTED`
 *   for big endian and deflated transfer syntaxes.
 */
export function parseDicom(bytes: Uint8Array, options: ParseDicomOptions): ParsedDicom {
  const reader = new Reader(bytes, options);
  const hasPreamble = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  let offset = hasPreamble ? 132 : 0;
  const meta: DicomElement[] = [];
  // The file meta group is always explicit VR little endian.
  while (offset + 8 <= bytes.length && reader.u16(offset) === 0x0002) {
    const el = reader.element(offset, true, 0);
    meta.push(el);
    offset = el.end;
  }
  if (!hasPreamble && meta.length === 0 && !(bytes.length >= 8 && (reader.u16(0) === 0x0008 || reader.u16(0) === 0x0002))) {
    throw new DicomError('DICOM_INVALID_FILE', `${options.file} is not a DICOM file (no DICM marker and no data set start)`, {
      details: { file: options.file },
    });
  }
  const tsElement = meta.find((e) => e.tag === 0x00020010);
  const ts = tsElement ? textOf(bytes, tsElement) : meta.length === 0 ? IMPLICIT_LE : '1.2.840.10008.1.2.1';
  const unsupported = UNSUPPORTED_TS.get(ts);
  if (unsupported) {
    throw new DicomError(
      'DICOM_UNSUPPORTED',
      `${options.file} uses the ${unsupported} transfer syntax, which the de-identifier does not rewrite`,
      { details: { file: options.file, transferSyntax: ts } },
    );
  }
  let explicit = ts !== IMPLICIT_LE;
  // The VR style is read from the first element, as readers do: files without meta information, without a
  // Transfer Syntax UID, or (some writers) with implicit data under an explicit transfer syntax.
  if (bytes.length >= offset + 6) explicit = isVr(bytes, offset + 4);
  const dataset = reader.dataset(offset, bytes.length, explicit, 0, false);
  return { hasPreamble, meta, explicit, dataset, bytes };
}

/** The text of an element's value, without padding (latin1, byte for byte). */
export function textOf(bytes: Uint8Array, el: DicomElement): string {
  let s = '';
  for (let i = el.valueStart; i < el.valueEnd; i++) s += String.fromCharCode(bytes[i]!);
  return s.replace(/[\0 ]+$/, '').replace(/^ +/, '');
}

function isVr(bytes: Uint8Array, at: number): boolean {
  const a = bytes[at]!;
  const b = bytes[at + 1]!;
  return a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ParseDicomOptions,
  ) {}

  u16(at: number): number {
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  u32(at: number): number {
    return (this.bytes[at]! | (this.bytes[at + 1]! << 8) | (this.bytes[at + 2]! << 16) | (this.bytes[at + 3]! << 24)) >>> 0;
  }

  tagAt(at: number): number {
    return ((this.u16(at) << 16) | this.u16(at + 2)) >>> 0;
  }

  fail(at: number, problem: string): never {
    throw new DicomError('DICOM_INVALID_FILE', `${this.options.file} is malformed at byte ${at}: ${problem}`, {
      details: { file: this.options.file, offset: at },
    });
  }

  zeroTo(at: number, end: number): boolean {
    for (let i = at; i < end; i++) if (this.bytes[i] !== 0) return false;
    return true;
  }

  need(at: number, n: number, end: number): void {
    if (at + n > end) this.fail(at, 'the data ends inside an element');
  }

  dataset(offset: number, end: number, explicit: boolean, depth: number, inItem: boolean): DicomElement[] {
    const out: DicomElement[] = [];
    let at = offset;
    while (at < end) {
      // Trailing bytes too short for an element header (odd padding) end the data set.
      if (!inItem && end - at < 8) break;
      this.need(at, 8, end);
      const tag = this.tagAt(at);
      if (tag === ITEM_END && inItem) break;
      // Zero bytes to the end of the file (padding some writers leave after Pixel Data) are no element: dropped.
      if (tag === 0 && depth === 0 && this.zeroTo(at, end)) break;
      const el = this.element(at, explicit, depth, end);
      out.push(el);
      at = el.end;
    }
    return out;
  }

  element(at: number, explicit: boolean, depth: number, limit = this.bytes.length): DicomElement {
    this.need(at, 8, limit);
    const tag = this.tagAt(at);
    let vr: string;
    let length: number;
    let valueStart: number;
    if (tag >>> 16 === 0xfffe) this.fail(at, 'an item tag where an element was expected');
    if (explicit) {
      if (!isVr(this.bytes, at + 4)) this.fail(at, 'no valid VR in explicit VR data');
      vr = String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!);
      if (LONG_VRS.has(vr)) {
        this.need(at, 12, limit);
        length = this.u32(at + 8);
        valueStart = at + 12;
      } else {
        length = this.u16(at + 6);
        valueStart = at + 8;
      }
    } else {
      length = this.u32(at + 4);
      valueStart = at + 8;
      vr = this.options.vrOf(tag) ?? 'UN';
    }
    const undefinedLength = length === 0xffffffff;
    if (undefinedLength) {
      if (tag === PIXEL_DATA || vr === 'OB' || vr === 'OW') {
        // Encapsulated pixel data: fragments up to the sequence delimiter, kept as raw bytes.
        const valueEnd = this.skipFragments(valueStart, limit);
        return { tag, vr, start: at, end: valueEnd + 8, valueStart, valueEnd, undefinedLength };
      }
      // An undefined-length UN (or unknown implicit element) holds an implicit VR sequence (PS3.5 6.2.2).
      return this.sequence(tag, 'SQ', at, valueStart, -1, explicit && vr === 'SQ', depth, limit);
    }
    if (valueStart + length > limit) this.fail(at, `a value of ${length} bytes runs past the end`);
    const looksLikeItems = length >= 8 && this.tagAt(valueStart) === ITEM;
    if (vr === 'SQ' || (vr === 'UN' && looksLikeItems)) {
      return this.sequence(tag, 'SQ', at, valueStart, length, explicit && vr === 'SQ', depth, limit);
    }
    return { tag, vr, start: at, end: valueStart + length, valueStart, valueEnd: valueStart + length, undefinedLength };
  }

  sequence(
    tag: number,
    vr: string,
    at: number,
    valueStart: number,
    length: number,
    explicit: boolean,
    depth: number,
    limit: number,
  ): DicomElement {
    if (depth >= MAX_DEPTH) this.fail(at, `sequences nested deeper than ${MAX_DEPTH}`);
    const undefinedLength = length < 0;
    const stop = undefinedLength ? limit : valueStart + length;
    const items: DicomItem[] = [];
    let p = valueStart;
    while (p < stop) {
      this.need(p, 8, stop);
      const itemTag = this.tagAt(p);
      if (itemTag === SEQ_END) {
        if (!undefinedLength) this.fail(p, 'a sequence delimiter in a defined-length sequence');
        return { tag, vr, start: at, end: p + 8, valueStart, valueEnd: p, undefinedLength, items, explicitContent: explicit };
      }
      if (itemTag !== ITEM) this.fail(p, 'an element where a sequence item was expected');
      const itemLength = this.u32(p + 4);
      const itemStart = p + 8;
      if (itemLength === 0xffffffff) {
        const elements = this.dataset(itemStart, stop, explicit, depth + 1, true);
        const last = elements.at(-1);
        const endAt = last ? last.end : itemStart;
        this.need(endAt, 8, stop);
        if (this.tagAt(endAt) !== ITEM_END) this.fail(endAt, 'an undefined-length item without its delimiter');
        items.push({ undefinedLength: true, elements });
        p = endAt + 8;
      } else {
        if (itemStart + itemLength > stop) this.fail(p, 'an item runs past its sequence');
        items.push({ undefinedLength: false, elements: this.dataset(itemStart, itemStart + itemLength, explicit, depth + 1, false) });
        p = itemStart + itemLength;
      }
    }
    if (undefinedLength) this.fail(p, 'an undefined-length sequence without its delimiter');
    return { tag, vr, start: at, end: stop, valueStart, valueEnd: stop, undefinedLength, items, explicitContent: explicit };
  }

  skipFragments(offset: number, limit: number): number {
    let p = offset;
    for (;;) {
      this.need(p, 8, limit);
      const t = this.tagAt(p);
      if (t === SEQ_END) return p;
      if (t !== ITEM) this.fail(p, 'a pixel data fragment without an item tag');
      const n = this.u32(p + 4);
      if (n === 0xffffffff || p + 8 + n > limit) this.fail(p, 'a pixel data fragment runs past the end');
      p += 8 + n;
    }
  }
}
