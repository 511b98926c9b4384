import { DicomError } from '../dicom-error.js';
import { parseDicom, textOf, type DicomElement, type ParsedDicom } from './dicom-elements.js';
import { ByteSink, elementHeader, encodeText, fitsShortVr, itemHeader } from './dicom-encoding.js';
import { resolveAction, vrOf, type ActionOptions, type AppliedAction } from './profile-actions.js';
import { cleanDescriptor, dummyValue, identifyingWords, isTextVr, shiftDates } from './replacement-values.js';
import type { UidMap } from './uid-map.js';

/** The settled options of one call, shared by its instances. */
export interface InstanceSettings extends ActionOptions {
  readonly shiftDays: number;
  readonly uidMap: UidMap;
  readonly pseudonym: { readonly patientId: string; readonly patientName: string } | undefined;
  readonly methodNames: readonly string[];
  readonly methodCodes: readonly (readonly [code: string, meaning: string])[];
  readonly allowBurnedInAnnotation: boolean;
}

/** What one instance's de-identification did, without values. */
export interface InstanceOutcome {
  readonly bytes: Uint8Array;
  readonly sopInstanceUid: string;
  /** `tag|keyword|action` keys of the attributes acted on. */
  readonly touched: ReadonlySet<string>;
  readonly privateRemoved: number;
}

const PATIENT_NAME = 0x00100010;
const PATIENT_ID = 0x00100020;
const SOP_INSTANCE_UID = 0x00080018;
const MODALITY = 0x00080060;
const SOP_CLASS_UID = 0x00080016;
const BURNED_IN = 0x00280301;
const OUR_GROUP_12 = [0x00120062, 0x00120063, 0x00120064];
/** Modalities whose images usually carry burned-in text: refused when Burned In Annotation is absent. */
export const BURNED_IN_MODALITIES: readonly string[] = ['US', 'SC', 'XC', 'ES', 'GM', 'OT', 'XA', 'RF', 'DOC'];
const SECONDARY_CAPTURE_PREFIX = '1.2.840.10008.5.1.4.1.1.7';

/**
 * De-identifies one file: the data set element by element (kept ones copied byte for byte), the file
 * meta group with the new Media Storage SOP Instance UID, and the de-identification attributes added.
 *
 * @throws {DicomError} `DICOM_INVALID_FILE`, `DICOM_UNSUPPORTED`, `DICOM_BURNED_IN_ANNOTATION`.
 */
export function deidentifyInstance(file: string, bytes: Uint8Array, settings: InstanceSettings): InstanceOutcome {
  const parsed = parseDicom(bytes, { file, vrOf });
  checkBurnedIn(file, parsed, settings.allowBurnedInAnnotation);
  const run = new InstanceRun(parsed, settings);
  const body = run.dataset(parsed.dataset, parsed.explicit, true);
  const sopElement = parsed.dataset.find((e) => e.tag === SOP_INSTANCE_UID);
  const metaSop = parsed.meta.find((e) => e.tag === 0x00020003);
  const originalSop = sopElement ? textOf(bytes, sopElement) : metaSop ? textOf(bytes, metaSop) : '';
  const sopInstanceUid = originalSop ? settings.uidMap.map(originalSop) : settings.uidMap.map(`${file}#no-sop-instance-uid`);
  const out = new ByteSink();
  // A zeroed preamble (the source's may hold application data, a TIFF header say), and a file meta group
  // even when the source had none, so that the new Media Storage SOP Instance UID is always there.
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.push(preamble);
  out.append(parsed.meta.length ? metaGroup(parsed, sopInstanceUid) : newMetaGroup(parsed, sopInstanceUid));
  out.append(body);
  return { bytes: out.toBytes(), sopInstanceUid, touched: run.touched, privateRemoved: run.privateRemoved };
}

function checkBurnedIn(file: string, parsed: ParsedDicom, allowed: boolean): void {
  if (allowed) return;
  const value = (tag: number): string | undefined => {
    const el = parsed.dataset.find((e) => e.tag === tag);
    return el ? textOf(parsed.bytes, el).toUpperCase() : undefined;
  };
  const burnedIn = value(BURNED_IN);
  const modality = value(MODALITY) ?? '';
  const secondaryCapture = (value(SOP_CLASS_UID) ?? '').startsWith(SECONDARY_CAPTURE_PREFIX);
  const usual = BURNED_IN_MODALITIES.includes(modality) || secondaryCapture;
  if (burnedIn === 'YES' || (burnedIn === undefined && usual)) {
    const why =
      burnedIn === 'YES'
        ? 'declares Burned In Annotation YES'
        : `has no Burned In Annotation attribute and is ${secondaryCapture ? 'a secondary capture' : `modality ${modality}`}, whose pixels usually carry burned-in text`;
    throw new DicomError(
      'DICOM_BURNED_IN_ANNOTATION',
      `${file} ${why}: its pixels may show patient identifiers, which attribute de-identification cannot remove; pass allowBurnedInAnnotation: true after checking the pixels`,
      {
        details: { file, burnedInAnnotation: burnedIn ?? null, modality: modality || null },
      },
    );
  }
}

/** The file meta group, every element kept but the SOP instance UID and the AE titles, its length recomputed. */
function metaGroup(parsed: ParsedDicom, sopInstanceUid: string): ByteSink {
  const sink = new ByteSink();
  for (const el of parsed.meta) {
    // Group length is recomputed; AE titles and private information of the sender are dropped.
    if (
      el.tag === 0x00020000 ||
      el.tag === 0x00020016 ||
      el.tag === 0x00020017 ||
      el.tag === 0x00020018 ||
      el.tag === 0x00020100 ||
      el.tag === 0x00020102
    )
      continue;
    if (el.tag === 0x00020003) {
      const value = encodeText('UI', sopInstanceUid);
      sink.push(elementHeader(el.tag, 'UI', value.length, true));
      sink.push(value);
      continue;
    }
    sink.push(parsed.bytes.subarray(el.start, el.end));
  }
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, sink.length, true);
  const out = new ByteSink();
  out.push(elementHeader(0x00020000, 'UL', 4, true));
  out.push(length);
  out.append(sink);
  return out;
}

/** The implementation that wrote a file meta group it had to create. */
const IMPLEMENTATION_CLASS_UID = '2.25.196112467429446212419393311592811372217';

/** A file meta group for a source without one (a bare data set), in the source's transfer syntax. */
function newMetaGroup(parsed: ParsedDicom, sopInstanceUid: string): ByteSink {
  const sopClass = parsed.dataset.find((e) => e.tag === SOP_CLASS_UID);
  const body = new ByteSink();
  const text = (tag: number, vr: string, value: string): void => {
    const bytes = encodeText(vr, value);
    body.push(elementHeader(tag, vr, bytes.length, true));
    body.push(bytes);
  };
  body.push(elementHeader(0x00020001, 'OB', 2, true));
  body.push(new Uint8Array([0, 1]));
  text(0x00020002, 'UI', sopClass ? textOf(parsed.bytes, sopClass) : '');
  text(0x00020003, 'UI', sopInstanceUid);
  text(0x00020010, 'UI', parsed.explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2');
  text(0x00020012, 'UI', IMPLEMENTATION_CLASS_UID);
  text(0x00020013, 'SH', 'MEDAAS_DEID');
  const out = new ByteSink();
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, body.length, true);
  out.push(elementHeader(0x00020000, 'UL', 4, true));
  out.push(length);
  out.append(body);
  return out;
}

class InstanceRun {
  readonly touched = new Set<string>();
  privateRemoved = 0;
  readonly #words: string[];

  constructor(
    private readonly parsed: ParsedDicom,
    private readonly settings: InstanceSettings,
  ) {
    this.#words = settings.cleanDescriptors ? identifyingWords(this.identifyingValues(parsed.dataset)) : [];
  }

  /** The values the profile removes or replaces, as words the descriptor cleaner must not let through. */
  identifyingValues(elements: readonly DicomElement[], into: string[] = []): string[] {
    for (const el of elements) {
      if (el.items) {
        for (const item of el.items) this.identifyingValues(item.elements, into);
        continue;
      }
      const resolved = resolveAction(el.tag, el.vr, this.settings);
      if (!resolved || !['remove', 'zero', 'dummy'].includes(resolved.treatment)) continue;
      const vr = el.vr === 'UN' ? resolved.row[2] : el.vr;
      if (isTextVr(vr) || vr === 'DA' || vr === 'DT' || vr === 'TM') into.push(textOf(this.parsed.bytes, el));
    }
    return into;
  }

  dataset(elements: readonly DicomElement[], explicit: boolean, top: boolean): ByteSink {
    const sink = new ByteSink();
    let addedOurs = !top;
    for (const el of elements) {
      if (!addedOurs && el.tag > 0x00120064) {
        this.addDeidentificationAttributes(sink, explicit);
        addedOurs = true;
      }
      if (top && OUR_GROUP_12.includes(el.tag)) continue;
      // Group lengths of the data set are retired and would be wrong after the changes.
      if ((el.tag & 0xffff) === 0 && el.tag >>> 16 !== 0x0002) continue;
      this.element(sink, el, explicit);
    }
    if (!addedOurs) this.addDeidentificationAttributes(sink, explicit);
    return sink;
  }

  element(sink: ByteSink, el: DicomElement, explicit: boolean): void {
    const resolved = resolveAction(el.tag, el.vr, this.settings);
    if (!resolved) {
      if (el.items) this.sequence(sink, el, explicit);
      else sink.push(this.parsed.bytes.subarray(el.start, el.end));
      return;
    }
    if (resolved.row[1] === 'PrivateAttributes') {
      this.privateRemoved += 1;
      return;
    }
    const vr = el.vr === 'UN' && !el.items ? resolved.row[2] : el.items ? 'SQ' : el.vr;
    const note = (action: AppliedAction): void => {
      const tag = resolved.row[0].includes('x') ? resolved.row[0] : hex8(el.tag);
      this.touched.add(`${tag}|${resolved.row[1]}|${action}`);
    };
    switch (resolved.treatment) {
      case 'remove':
        note('X');
        return;
      case 'zero':
        if (this.settings.pseudonym && (el.tag === PATIENT_NAME || el.tag === PATIENT_ID)) {
          note('D');
          this.value(
            sink,
            el.tag,
            vr,
            encodeText(vr, el.tag === PATIENT_NAME ? this.settings.pseudonym.patientName : this.settings.pseudonym.patientId),
            explicit,
          );
          return;
        }
        note('Z');
        this.value(sink, el.tag, vr, new Uint8Array(0), explicit);
        return;
      case 'dummy':
        note('D');
        this.value(sink, el.tag, vr, dummyValue(vr), explicit);
        return;
      case 'uid': {
        note('U');
        const mapped = textOf(this.parsed.bytes, el)
          .split('\\')
          .map((u) => (u.trim() ? this.settings.uidMap.map(u.trim()) : ''))
          .join('\\');
        this.value(sink, el.tag, 'UI', encodeText('UI', mapped), explicit);
        return;
      }
      case 'shift': {
        note('C');
        const moved = shiftDates(vr as 'DA' | 'DT', textOf(this.parsed.bytes, el), this.settings.shiftDays);
        // A date that cannot be read cannot be shifted: emptied rather than leaked.
        this.value(sink, el.tag, vr, encodeText(vr, moved ?? ''), explicit);
        return;
      }
      case 'clean': {
        note('C');
        this.value(sink, el.tag, vr, encodeText(vr, cleanDescriptor(textOf(this.parsed.bytes, el), this.#words)), explicit);
        return;
      }
      case 'keep':
      case 'recurse':
        note(resolved.action);
        if (el.items) this.sequence(sink, el, explicit);
        else sink.push(this.parsed.bytes.subarray(el.start, el.end));
        return;
    }
  }

  /** A kept sequence, its items de-identified with the same table, lengths rewritten as the source had them. */
  sequence(sink: ByteSink, el: DicomElement, explicit: boolean): void {
    const inner = el.explicitContent ?? explicit;
    const content = new ByteSink();
    for (const item of el.items ?? []) {
      const body = this.dataset(item.elements, inner, false);
      content.push(itemHeader(0xfffee000, item.undefinedLength ? undefined : body.length));
      content.append(body);
      if (item.undefinedLength) content.push(itemHeader(0xfffee00d, 0));
    }
    if (el.undefinedLength) content.push(itemHeader(0xfffee0dd, 0));
    // An explicit-VR UN holding implicit items is written as it came: UN, undefined length.
    const vr = explicit && el.explicitContent === false ? 'UN' : 'SQ';
    sink.push(elementHeader(el.tag, vr, el.undefinedLength ? undefined : content.length, explicit));
    sink.append(content);
  }

  value(sink: ByteSink, tag: number, vr: string, value: Uint8Array, explicit: boolean): void {
    if (vr === 'SQ') {
      sink.push(elementHeader(tag, 'SQ', 0, explicit));
      return;
    }
    const written = explicit && !fitsShortVr(vr, value.length) ? value.subarray(0, 0xfffe) : value;
    sink.push(elementHeader(tag, vr, written.length, explicit));
    sink.push(written);
  }

  addDeidentificationAttributes(sink: ByteSink, explicit: boolean): void {
    this.value(sink, 0x00120062, 'CS', encodeText('CS', 'YES'), explicit);
    this.value(sink, 0x00120063, 'LO', encodeText('LO', this.settings.methodNames.join('\\')), explicit);
    const items = new ByteSink();
    for (const [code, meaning] of this.settings.methodCodes) {
      const item = new ByteSink();
      this.value(item, 0x00080100, 'SH', encodeText('SH', code), explicit);
      this.value(item, 0x00080102, 'SH', encodeText('SH', 'DCM'), explicit);
      this.value(item, 0x00080104, 'LO', encodeText('LO', meaning), explicit);
      items.push(itemHeader(0xfffee000, item.length));
      items.append(item);
    }
    sink.push(elementHeader(0x00120064, 'SQ', items.length, explicit));
    sink.append(items);
  }
}

function hex8(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(8, '0');
}
