/** A coded concept, as DICOM code sequences hold it (Code Value, Coding Scheme Designator, Code Meaning). */
export interface Code {
  /** Code Value, e.g. `'85756007'`. */
  readonly value: string;
  /** Coding Scheme Designator, e.g. `'SCT'` (SNOMED CT) or `'DCM'`. */
  readonly scheme: string;
  /** Code Meaning, human-readable, e.g. `'Tissue'`. */
  readonly meaning: string;
}

/** How a segment was made (Segment Algorithm Type), and by what (Segment Algorithm Name). */
export interface SegmentAlgorithm {
  readonly type: 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';
  /** Required by DICOM for AUTOMATIC and SEMIAUTOMATIC; defaults to `'medaas'` there. */
  readonly name?: string;
}

/** What one label of a mask is, for the segment that holds it. */
export interface SegmentDescription {
  /** The label value in the mask (1 to 255). */
  readonly label: number;
  /** Segment Label: the name a viewer shows, e.g. `'Liver'`. */
  readonly name: string;
  /** Segmented Property Category. Default SCT 85756007 "Tissue". */
  readonly category?: Code;
  /** Segmented Property Type. Default SCT 113343008 "Organ". */
  readonly type?: Code;
  /** Default `{ type: 'AUTOMATIC', name: 'medaas' }`. */
  readonly algorithm?: SegmentAlgorithm;
  /** Display colour as sRGB `[r, g, b]`, 0 to 255 each; stored as Recommended Display CIELab Value. */
  readonly color?: readonly [number, number, number];
  /** Segment Description: free text. */
  readonly description?: string;
}

/** A segment as read back from a DICOM Segmentation. */
export interface SegmentInfo {
  /** Segment Number in the SEG (1, 2, ...). */
  readonly segmentNumber: number;
  /**
   * The value this segment's voxels carry in the returned mask: the label the medaas writer recorded, or
   * the Segment Number for a SEG from another writer.
   */
  readonly label: number;
  readonly name: string;
  readonly category: Code | undefined;
  readonly type: Code | undefined;
  readonly algorithm: SegmentAlgorithm | undefined;
  /** The Recommended Display CIELab Value converted to sRGB, when present. */
  readonly color: readonly [number, number, number] | undefined;
  readonly description: string | undefined;
  /** How many frames of the SEG belong to this segment. */
  readonly frames: number;
  /** Voxels of the returned mask that carry this segment's label. */
  readonly voxels: number;
}
