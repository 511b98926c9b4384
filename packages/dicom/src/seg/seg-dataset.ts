// The single place where bytes become a dcmjs dataset and back, so the rest of the SEG code works on
// keyword-keyed objects and never on dcmjs internals.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./dcmjs.d.ts" />
import dcmjs, { type DcmjsNaturalDataset, type DcmjsTagDataset } from 'dcmjs';
import { DicomError } from '../dicom-error.js';

const { DicomMessage, DicomMetaDictionary, DicomDict } = dcmjs.data;

/** Explicit VR Little Endian, the transfer syntax the writer uses. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** The Segmentation Storage SOP Class. */
export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** A dataset read from a file: keyword-keyed values, the tag-keyed form (for private tags) and the transfer syntax. */
export interface ParsedDataset {
  readonly natural: DcmjsNaturalDataset;
  readonly tags: DcmjsTagDataset;
  readonly transferSyntax: string;
}

/**
 * Parses a Part 10 file. With `headerOnly`, stops before Pixel Data (the source series' headers are all
 * the writer needs).
 *
 * @throws {DicomError} `DICOM_INVALID_FILE` naming the file when dcmjs cannot parse it.
 */
export function parseDataset(name: string, bytes: Uint8Array, headerOnly: boolean): ParsedDataset {
  // dcmjs reads from an ArrayBuffer of its own: a view into a larger buffer is copied first.
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  try {
    const dict = DicomMessage.readFile(buffer as ArrayBuffer, headerOnly ? { untilTag: '7FE00010', includeUntilTagValue: false } : {});
    const syntax = dict.meta['00020010']?.Value?.[0];
    return {
      natural: DicomMetaDictionary.naturalizeDataset(dict.dict),
      tags: dict.dict,
      transferSyntax: typeof syntax === 'string' ? syntax : EXPLICIT_VR_LITTLE_ENDIAN,
    };
  } catch (error) {
    throw new DicomError(
      'DICOM_INVALID_FILE',
      `${name}: not a readable DICOM file (${error instanceof Error ? error.message : String(error)})`,
      { details: { file: name }, cause: error },
    );
  }
}

/** A private element to add to the tag-keyed form of an item after dcmjs converted it (dcmjs drops unknown keywords). */
export interface PrivateElement {
  readonly tag: string;
  readonly vr: string;
  readonly value: unknown;
}

/**
 * Serialises a keyword-keyed dataset as a Part 10 file in Explicit VR Little Endian. `patch` may add
 * private elements to the tag-keyed dataset before writing.
 */
export function writeDataset(
  natural: DcmjsNaturalDataset,
  options: { readonly implementationClassUid: string; readonly patch?: (tags: DcmjsTagDataset) => void },
): Uint8Array<ArrayBuffer> {
  const version = new Uint8Array([0, 1]);
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: version.buffer,
    MediaStorageSOPClassUID: natural['SOPClassUID'],
    MediaStorageSOPInstanceUID: natural['SOPInstanceUID'],
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: options.implementationClassUid,
    ImplementationVersionName: 'MEDAAS_SEG_1',
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(natural);
  options.patch?.(dict.dict);
  return new Uint8Array(dict.write());
}

/** The first value of an attribute as a string ('' when absent). */
export function text(dataset: DcmjsNaturalDataset | undefined, keyword: string): string {
  const value = dataset?.[keyword];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null
    ? ''
    : typeof first === 'object'
      ? String((first as { Alphabetic?: unknown }).Alphabetic ?? '')
      : String(first);
}

/** The values of a numeric multi-valued attribute, or undefined when absent or not all finite. */
export function numbers(dataset: DcmjsNaturalDataset | undefined, keyword: string): number[] | undefined {
  const value = dataset?.[keyword];
  if (value === undefined || value === null || value === '') return undefined;
  const list = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'number' ? v : Number.parseFloat(String(v))));
  return list.every(Number.isFinite) ? list : undefined;
}

/** The items of a sequence (dcmjs gives a single item as an object, several as an array). */
export function itemsOf(dataset: DcmjsNaturalDataset | undefined, keyword: string): DcmjsNaturalDataset[] {
  const value = dataset?.[keyword];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is DcmjsNaturalDataset => typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer));
}
