import { DicomwebError } from './dicomweb-error.js';

/**
 * The DICOM JSON model (PS3.18 F.2) that QIDO-RS and WADO-RS metadata answer with: datasets keyed by
 * upper-case hex tags, and small typed accessors so callers need not remember that `0020000D` is the
 * Study Instance UID.
 */

/** A person name in DICOM JSON: the three component groups, each a `^`-separated string. */
export interface DicomJsonPersonName {
  readonly Alphabetic?: string;
  readonly Ideographic?: string;
  readonly Phonetic?: string;
}

/** One value of an attribute: a string, a number (IS, DS, US, FL...), a person name or a sequence item. */
export type DicomJsonValue = string | number | DicomJsonPersonName | DicomJsonDataset | null;

/** One attribute: its VR and either values, a bulk data URI or inline base64 binary. */
export interface DicomJsonAttribute {
  readonly vr: string;
  readonly Value?: readonly DicomJsonValue[];
  readonly BulkDataURI?: string;
  readonly InlineBinary?: string;
}

/** A dataset in DICOM JSON: attributes keyed by 8 upper-case hex digits (`"0020000D"`). */
export type DicomJsonDataset = { readonly [tag: string]: DicomJsonAttribute | undefined };

/**
 * Tags of the attributes DICOMweb searches and viewers use most, by keyword. Any other attribute is reached
 * with its 8-digit hex tag.
 */
export const DICOM_TAGS = {
  SpecificCharacterSet: '00080005',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  ReferringPhysicianName: '00080090',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  RetrieveURL: '00081190',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
  WarningReason: '00081196',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  BodyPartExamined: '00180015',
  SliceThickness: '00180050',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  FrameOfReferenceUID: '00200052',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  PixelSpacing: '00280030',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  PixelRepresentation: '00280103',
  RescaleIntercept: '00281052',
  RescaleSlope: '00281053',
  PixelData: '7FE00010',
} as const;

/** A keyword of {@link DICOM_TAGS}. */
export type DicomKeyword = keyof typeof DICOM_TAGS;

const HEX_TAG = /^[0-9A-Fa-f]{8}$/;

/**
 * The hex tag of a keyword of {@link DICOM_TAGS}, or an 8-digit hex tag given as is (upper-cased).
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for a keyword that is not in the table and is not a hex tag.
 * @example
 * ```ts
 * dicomTag('StudyInstanceUID'); // '0020000D'
 * ```
 */
export function dicomTag(keywordOrTag: DicomKeyword | string): string {
  const known = (DICOM_TAGS as Readonly<Record<string, string>>)[keywordOrTag];
  if (known) return known;
  if (HEX_TAG.test(keywordOrTag)) return keywordOrTag.toUpperCase();
  throw new DicomwebError('DICOMWEB_INVALID_ARGUMENT', `unknown DICOM keyword ${keywordOrTag}: use its 8-digit hex tag`, {
    details: { keyword: keywordOrTag },
  });
}

/**
 * Every value of an attribute (an empty array when it is absent or empty).
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for an unknown keyword (see {@link dicomTag}).
 * @example
 * ```ts
 * const [row, column] = dicomJsonValues(metadata, 'PixelSpacing') as number[];
 * ```
 */
export function dicomJsonValues(dataset: DicomJsonDataset, keywordOrTag: DicomKeyword | string): readonly DicomJsonValue[] {
  return dataset[dicomTag(keywordOrTag)]?.Value ?? [];
}

/**
 * The first value of an attribute, or `undefined`.
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for an unknown keyword (see {@link dicomTag}).
 * @example
 * ```ts
 * const rows = dicomJsonValue(metadata, 'Rows'); // 256
 * ```
 */
export function dicomJsonValue(dataset: DicomJsonDataset, keywordOrTag: DicomKeyword | string): DicomJsonValue | undefined {
  const value = dicomJsonValues(dataset, keywordOrTag)[0];
  return value === null ? undefined : value;
}

/**
 * The first value of an attribute as a string: person names as their alphabetic group, numbers in decimal;
 * `undefined` when absent (or a sequence).
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for an unknown keyword (see {@link dicomTag}).
 * @example
 * ```ts
 * const description = dicomJsonString(study, 'StudyDescription');
 * ```
 */
export function dicomJsonString(dataset: DicomJsonDataset, keywordOrTag: DicomKeyword | string): string | undefined {
  const value = dicomJsonValue(dataset, keywordOrTag);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && !('vr' in value)) {
    const name = value as DicomJsonPersonName;
    if (typeof name.Alphabetic === 'string') return name.Alphabetic;
  }
  return undefined;
}

/**
 * The Study Instance UID of a QIDO-RS result or metadata dataset.
 *
 * @example
 * ```ts
 * const uids = (await client.searchStudies()).map(studyUidOf);
 * ```
 */
export function studyUidOf(dataset: DicomJsonDataset): string | undefined {
  return dicomJsonString(dataset, 'StudyInstanceUID');
}

/**
 * The Series Instance UID of a QIDO-RS result or metadata dataset.
 *
 * @example
 * ```ts
 * const uids = (await client.searchSeries(studyUid)).map(seriesUidOf);
 * ```
 */
export function seriesUidOf(dataset: DicomJsonDataset): string | undefined {
  return dicomJsonString(dataset, 'SeriesInstanceUID');
}

/**
 * The SOP Instance UID of a QIDO-RS result or metadata dataset.
 *
 * @example
 * ```ts
 * const uids = (await client.searchInstances(studyUid, seriesUid)).map(sopUidOf);
 * ```
 */
export function sopUidOf(dataset: DicomJsonDataset): string | undefined {
  return dicomJsonString(dataset, 'SOPInstanceUID');
}
