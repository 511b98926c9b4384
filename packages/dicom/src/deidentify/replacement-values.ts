import { encodeText } from './dicom-encoding.js';

const DUMMY_TEXT: Readonly<Record<string, string>> = {
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  AS: '000D',
  IS: '0',
  DS: '0',
};
const BINARY_SIZE: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, SV: 8, UV: 8 };
const TEXT_VRS = new Set(['AE', 'CS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT', 'UR']);

/** Whether a VR holds text that may carry a name or free text. */
export function isTextVr(vr: string): boolean {
  return TEXT_VRS.has(vr);
}

/** The dummy value of a VR for action D: a fixed, non-identifying value that keeps the attribute valid. */
export function dummyValue(vr: string): Uint8Array {
  const text = DUMMY_TEXT[vr];
  if (text !== undefined) return encodeText(vr, text);
  const size = BINARY_SIZE[vr];
  if (size !== undefined) return new Uint8Array(size);
  if (TEXT_VRS.has(vr)) return encodeText(vr, 'ANONYMIZED');
  // OB, OW, UN and other bulk VRs: no value is the only dummy that cannot carry anything.
  return new Uint8Array(0);
}

/**
 * A DA or DT value moved by `days` (Modified Dates option). Times and time zone offsets are kept, so
 * intervals between dates of the patient are kept exactly. Undefined when the value is not a full date.
 */
export function shiftDates(vr: 'DA' | 'DT', text: string, days: number): string | undefined {
  const values = text.split('\\').map((value) => {
    const v = value.trim();
    if (v === '') return '';
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(v);
    if (!m || (vr === 'DA' && v.length !== 8)) return undefined;
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    const check = new Date(t);
    if (check.getUTCMonth() !== Number(m[2]) - 1 || check.getUTCDate() !== Number(m[3])) return undefined;
    const moved = new Date(t + days * 86_400_000);
    const year = moved.getUTCFullYear();
    if (year < 1 || year > 9999) return undefined;
    const date = `${String(year).padStart(4, '0')}${String(moved.getUTCMonth() + 1).padStart(2, '0')}${String(moved.getUTCDate()).padStart(2, '0')}`;
    return date + v.slice(8);
  });
  return values.some((v) => v === undefined) ? undefined : values.join('\\');
}

/**
 * The identifying words of a data set (Patient Name's components, IDs, names of people and places,
 * dates) as the descriptor cleaner removes them: pieces of three or more characters, longest first.
 */
export function identifyingWords(values: readonly string[]): string[] {
  const words = new Set<string>();
  for (const value of values) {
    for (const part of value.split(/[\\^=]/)) {
      const whole = part.trim();
      if (whole.length >= 3) words.add(whole.toUpperCase());
      for (const word of whole.split(/[\s,;:/()[\]'"._-]+/)) if (word.length >= 3) words.add(word.toUpperCase());
    }
  }
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * A descriptor (Study Description, Protocol Name, comments...) with every identifying word of the data
 * set removed, ASCII case-insensitively (Clean Descriptors option). Words the data set does not hold
 * elsewhere cannot be recognised and stay.
 */
export function cleanDescriptor(text: string, words: readonly string[]): string {
  let out = text;
  for (const word of words) {
    const upper = out.toUpperCase();
    let at = upper.indexOf(word);
    if (at < 0) continue;
    let result = '';
    let from = 0;
    while (at >= 0) {
      result += out.slice(from, at);
      from = at + word.length;
      at = upper.indexOf(word, from);
    }
    out = result + out.slice(from);
  }
  return out.replace(/[ \t]{2,}/g, ' ').replace(/^[\s^,;:-]+|[\s^,;:-]+$/g, '');
}
