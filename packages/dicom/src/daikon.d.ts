// The part of daikon's (untyped, CommonJS) API that the DICOM reader uses.
declare module 'daikon' {
  export interface DaikonTag {
    readonly value: unknown;
    readonly sublist: boolean;
    readonly group: number;
    readonly element: number;
  }
  export interface DaikonImage {
    readonly littleEndian: boolean;
    readonly tags: Record<string, DaikonTag>;
    getTag(group: number, element: number): DaikonTag | undefined;
    getRows(): number | null;
    getCols(): number | null;
    getSeriesInstanceUID(): string | null;
    getSeriesNumber(): number | null;
    getModality(): string | null;
    getImagePosition(): number[] | null;
    getImageDirections(): number[] | null;
    getPixelSpacing(): number[] | null;
    getSliceThickness(): number | null;
    getDataScaleSlope(): number | null;
    getDataScaleIntercept(): number | null;
    getBitsAllocated(): number | null;
    getBitsStored(): number | null;
    getPixelRepresentation(): number | null;
    getNumberOfFrames(): number;
    getNumberOfSamplesPerPixel(): number | null;
    getPhotometricInterpretation(): string | null;
    getImageNumber(): number | null;
    hasPixelData(): boolean;
    getPixelDataBytes(): ArrayBuffer;
    isCompressed(): boolean;
  }
  const daikon: {
    Series: { parseImage(data: DataView): DaikonImage | null; parserError: unknown };
  };
  export default daikon;
}
