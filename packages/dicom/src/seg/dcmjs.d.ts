// The part of dcmjs's (untyped) API that the DICOM Segmentation writer and reader use: parsing a Part 10
// file into a tag dictionary, converting between tag-keyed and keyword-keyed datasets, and writing.
declare module 'dcmjs' {
  /** A tag-keyed element: `{ "00100010": { vr: "PN", Value: [...] } }`. */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
  }
  export type DcmjsTagDataset = Record<string, DcmjsElement>;
  /** A keyword-keyed dataset as dcmjs naturalises it: single values unwrapped, sequences as arrays of datasets. */
  export type DcmjsNaturalDataset = Record<string, unknown>;
  export interface DcmjsDicomDict {
    meta: DcmjsTagDataset;
    dict: DcmjsTagDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  export interface DcmjsReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): DcmjsDicomDict };
      DicomDict: new (meta: DcmjsTagDataset) => DcmjsDicomDict;
      DicomMetaDictionary: {
        naturalizeDataset(dataset: DcmjsTagDataset): DcmjsNaturalDataset;
        denaturalizeDataset(dataset: DcmjsNaturalDataset): DcmjsTagDataset;
        sopClassUIDsByName: Record<string, string>;
      };
    };
  };
  export default dcmjs;
}
