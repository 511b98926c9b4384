// The ambient types of the untyped daikon package must reach every program that compiles this file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./daikon.d.ts" />
import daikon, { type DaikonImage } from 'daikon';
import { DEFAULT_MAX_BYTES, type Vec3 } from '@medaas/nifti-io';
import { DicomError } from './dicom-error.js';
import { readUncompressedImage, type SliceImage } from './dicom-slice-fast.js';

/**
 * One image plane of a DICOM file, with only the attributes conversion needs. The attributes read are
 * listed in the package README; none of them identifies a patient, and none is ever written out.
 */
export interface DicomSlice {
  /** The file's name as the caller gave it (used in messages only). */
  readonly file: string;
  /** Frame index within a multi-frame file, 0 for single-frame files. */
  readonly frame: number;
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number | undefined;
  readonly modality: string;
  readonly rows: number;
  readonly columns: number;
  /** Image Orientation (Patient): row direction cosines then column direction cosines, LPS+. */
  readonly orientation: readonly [number, number, number, number, number, number];
  /** Image Position (Patient): centre of the first transmitted voxel, LPS+ mm. */
  readonly position: Vec3;
  /** Pixel Spacing: [between rows, between columns] in mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly slope: number;
  readonly intercept: number;
  /** Bytes per stored pixel (1 or 2). */
  readonly bytesPerPixel: 1 | 2;
  /**
   * Reads the stored integer values of this plane (decompressing if needed). The array may be a view of the
   * file's bytes: read it, never write to it.
   */
  readonly pixels: () => Int16Array | Uint16Array | Int8Array | Uint8Array;
}

// DICOM tags read for multi-frame (enhanced) images.
const PER_FRAME = [0x5200, 0x9230] as const;
const SHARED = [0x5200, 0x9229] as const;
const PLANE_POSITION = [0x0020, 0x9113] as const;
const PLANE_ORIENTATION = [0x0020, 0x9116] as const;
const PIXEL_MEASURES = [0x0028, 0x9110] as const;
const PIXEL_VALUE_TRANSFORMATION = [0x0028, 0x9145] as const;

/**
 * Compressed pixel data above {@link COMPRESSED_PIXEL_FLOOR_BYTES} may expand at most this much (500:1).
 * Lossless JPEG, JPEG-LS and RLE of real images reach 2-20:1; a 7 KB RLE file announcing 65535x65535
 * pixels decoded 8 GiB for 40 s before this bound.
 */
export const MAX_PIXEL_COMPRESSION_RATIO = 500;

/** Compressed pixel data up to this size per file (64 MiB) decodes at any ratio: blank frames compress very well. */
export const COMPRESSED_PIXEL_FLOOR_BYTES = 64 * 2 ** 20;

/**
 * Parses one DICOM file into its image planes (one, or one per frame of a multi-frame file). Returns
 * an empty list for DICOM files without pixel data (DICOMDIR, reports, presentation states).
 *
 * The pixels a file announces (rows x columns x frames) are checked against `maxBytes` and, for
 * compressed pixel data, against {@link MAX_PIXEL_COMPRESSION_RATIO}, before anything is decoded.
 *
 * @throws {DicomError} `DICOM_INVALID_FILE` for a file that is not DICOM or is corrupt;
 *   `DICOM_UNSUPPORTED` for colour or non-integer pixel data, or an image without geometry;
 *   `DICOM_TOO_LARGE` for pixels beyond the limits.
 * @example
 * ```ts
 * const [slice] = parseDicomSlices('ct_0001.dcm', bytes, { maxBytes: 2 ** 30 });
 * ```
 */
export function parseDicomSlices(file: string, bytes: Uint8Array, options: ParseSlicesOptions = {}): DicomSlice[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!looksLikeDicom(bytes)) throw invalid(file, "no 'DICM' marker at byte 128 and no DICOM group at the start");
  // Uncompressed little-endian single-frame files (the common case) skip daikon's parser, which decodes every
  // attribute of the header; the fast reader declines anything it does not read exactly as daikon would.
  const image = (options.reader !== 'daikon' ? readUncompressedImage(bytes) : undefined) ?? parseWithDaikon(file, bytes);
  if (!image.hasPixelData() || !image.getRows() || !image.getCols()) return [];
  const samples = image.getNumberOfSamplesPerPixel() ?? 1;
  const bits = image.getBitsAllocated() ?? 16;
  if (samples !== 1 || (bits !== 8 && bits !== 16)) {
    throw new DicomError(
      'DICOM_UNSUPPORTED',
      `${file}: ${samples} samples of ${bits} bits per pixel; the converter takes greyscale 8- or 16-bit images`,
      {
        details: { file, samplesPerPixel: samples, bitsAllocated: bits },
      },
    );
  }
  const frames = Math.max(1, image.getNumberOfFrames() || 1);
  checkPixelSize(file, image, frames, bytes.length, maxBytes);
  // Uncompressed pixel data shorter than its frames need is found here, while the file is parsed, not at
  // decoding: a folder conversion that skips bad files then leaves out just this one.
  if (!image.isCompressed()) {
    const tag = image.getTag(0x7fe0, 0x0010)?.value;
    if (tag instanceof DataView) checkPixelLength(file, image, tag.byteLength, frames);
  }
  const base = {
    file,
    seriesInstanceUid: image.getSeriesInstanceUID() ?? '',
    seriesNumber: image.getSeriesNumber() ?? undefined,
    modality: (image.getModality() ?? 'OT').trim() || 'OT',
    rows: image.getRows()!,
    columns: image.getCols()!,
    bytesPerPixel: (bits / 8) as 1 | 2,
  };
  const decode = framePixels(file, image, frames);
  if (frames === 1) {
    const geometry = planeGeometry(file, image.getImageDirections(), image.getImagePosition(), image.getPixelSpacing());
    return [
      {
        ...base,
        ...geometry,
        frame: 0,
        slope: image.getDataScaleSlope() || 1,
        intercept: image.getDataScaleIntercept() || 0,
        pixels: () => decode(0),
      },
    ];
  }
  return multiFrameSlices(image, file, frames).map((geometry, frame) => ({ ...base, ...geometry, frame, pixels: () => decode(frame) }));
}

/** Options of {@link parseDicomSlices}. */
export interface ParseSlicesOptions {
  /** Refuse a file whose pixels exceed this many bytes, before decoding them. Default 4 GiB. */
  readonly maxBytes?: number | undefined;
  /**
   * `'auto'` (default): the fast reader for uncompressed little-endian single-frame files, daikon for the
   * rest; `'daikon'`: daikon for every file (the reference the fast reader is tested against).
   */
  readonly reader?: SliceReader | undefined;
}

/** Which parser reads DICOM headers: see {@link ParseSlicesOptions.reader}. */
export type SliceReader = 'auto' | 'daikon';

/** daikon's parse of a whole file. */
function parseWithDaikon(file: string, bytes: Uint8Array): SliceImage {
  let image: DaikonImage | null;
  try {
    // daikon reads some values through the view's buffer from offset 0: a file that is a view into a larger
    // buffer (a part of a multipart upload, say) is copied into a buffer of its own first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    image = daikon.Series.parseImage(new DataView(own.buffer, own.byteOffset, own.byteLength));
  } catch (error) {
    throw invalid(file, error instanceof Error ? error.message : String(error), error);
  }
  if (!image) throw invalid(file, String(daikon.Series.parserError ?? 'not a DICOM file'));
  return image;
}

/** Refuses, before decoding, pixels beyond `maxBytes` or compressed pixels that would expand implausibly. */
function checkPixelSize(file: string, image: SliceImage, frames: number, fileBytes: number, maxBytes: number): void {
  const declared = image.getRows()! * image.getCols()! * frames * ((image.getBitsAllocated() ?? 16) / 8);
  const described = `${frames} frame(s) of ${image.getRows()}x${image.getCols()} pixels (${declared} bytes)`;
  if (declared > maxBytes) {
    throw new DicomError('DICOM_TOO_LARGE', `${file}: the file announces ${described}, more than maxBytes (${maxBytes})`, {
      details: { file, option: 'maxBytes', declared, limit: maxBytes },
    });
  }
  if (declared > COMPRESSED_PIXEL_FLOOR_BYTES && image.isCompressed() && declared > MAX_PIXEL_COMPRESSION_RATIO * fileBytes) {
    throw new DicomError(
      'DICOM_TOO_LARGE',
      `${file}: the file announces ${described} from ${fileBytes} bytes of compressed data, more than ${MAX_PIXEL_COMPRESSION_RATIO}:1`,
      {
        details: { file, option: 'compressionRatio', declared: Math.round(declared / fileBytes), limit: MAX_PIXEL_COMPRESSION_RATIO },
      },
    );
  }
}

/**
 * Whether bytes look like DICOM: Part 10 files have 'DICM' at byte 128; older raw files start with a
 * group 0002 or 0008 tag.
 */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  const magic = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  const rawGroup = bytes.length >= 8 && (bytes[0] === 0x08 || bytes[0] === 0x02) && bytes[1] === 0x00;
  return magic || rawGroup;
}

function planeGeometry(
  file: string,
  orientation: number[] | null | undefined,
  position: number[] | null | undefined,
  spacing: number[] | null | undefined,
): Pick<DicomSlice, 'orientation' | 'position' | 'pixelSpacing'> {
  const ok = (values: number[] | null | undefined, n: number): values is number[] =>
    Array.isArray(values) && values.length >= n && values.slice(0, n).every((v) => Number.isFinite(v));
  if (!ok(orientation, 6) || !ok(position, 3) || !ok(spacing, 2) || !(spacing[0]! > 0 && spacing[1]! > 0)) {
    throw new DicomError(
      'DICOM_UNSUPPORTED',
      `${file}: the image has no complete geometry (Image Orientation, Image Position and Pixel Spacing are all needed)`,
      {
        details: { file },
      },
    );
  }
  return {
    orientation: orientation.slice(0, 6) as unknown as DicomSlice['orientation'],
    position: position.slice(0, 3) as unknown as Vec3,
    pixelSpacing: [spacing[0]!, spacing[1]!],
  };
}

/** Per-frame geometry of an enhanced multi-frame image: per-frame groups, falling back to shared ones. */
function multiFrameSlices(
  image: SliceImage,
  file: string,
  frames: number,
): Array<Pick<DicomSlice, 'orientation' | 'position' | 'pixelSpacing' | 'slope' | 'intercept'>> {
  const perFrame = items(image.getTag(...PER_FRAME));
  const shared = items(image.getTag(...SHARED))[0] ?? [];
  if (perFrame.length !== frames) {
    throw new DicomError(
      'DICOM_UNSUPPORTED',
      `${file}: a multi-frame image with ${frames} frames needs a Per-frame Functional Groups Sequence with one item per frame (found ${perFrame.length})`,
      {
        details: { file, frames, perFrameItems: perFrame.length },
      },
    );
  }
  const find = (groups: Tag[][], macro: readonly [number, number], attribute: readonly [number, number]): number[] | undefined => {
    for (const group of groups) {
      const macroItem = items(group.find((t) => t.group === macro[0] && t.element === macro[1]))[0];
      const tag = macroItem?.find((t) => t.group === attribute[0] && t.element === attribute[1]);
      if (tag) return numbers(tag.value);
    }
    return undefined;
  };
  return perFrame.map((frameGroup) => {
    const groups = [frameGroup, shared];
    const geometry = planeGeometry(
      file,
      find(groups, PLANE_ORIENTATION, [0x0020, 0x0037]),
      find(groups, PLANE_POSITION, [0x0020, 0x0032]),
      find(groups, PIXEL_MEASURES, [0x0028, 0x0030]),
    );
    return {
      ...geometry,
      intercept: find(groups, PIXEL_VALUE_TRANSFORMATION, [0x0028, 0x1052])?.[0] ?? 0,
      slope: find(groups, PIXEL_VALUE_TRANSFORMATION, [0x0028, 0x1053])?.[0] || 1,
    };
  });
}

type Tag = { readonly group: number; readonly element: number; readonly value: unknown; readonly sublist: boolean };

/** The items of a sequence tag, each as its list of tags. */
function items(tag: Tag | undefined): Tag[][] {
  if (!tag?.sublist || !Array.isArray(tag.value)) return [];
  return (tag.value as Tag[]).filter((item) => item.sublist && Array.isArray(item.value)).map((item) => item.value as Tag[]);
}

function numbers(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map((v) => (typeof v === 'number' ? v : Number.parseFloat(String(v))));
  return out.every(Number.isFinite) ? out : undefined;
}

/** Decodes the stored values of one frame, masking bits above Bits Stored and sign-extending. */
/** Refuses pixel data shorter than `frames` frames of the image's size (a truncated file). */
function checkPixelLength(file: string, image: SliceImage, byteLength: number, frames: number): void {
  const need = image.getRows()! * image.getCols()! * ((image.getBitsAllocated() ?? 16) / 8) * frames;
  if (byteLength < need) {
    throw new DicomError(
      'DICOM_INVALID_FILE',
      `${file}: the pixel data holds ${byteLength} bytes, fewer than ${frames} frame(s) of ${image.getRows()}x${image.getCols()} need (a truncated file?)`,
      {
        details: { file, bytes: byteLength, frames },
      },
    );
  }
}

function framePixels(
  file: string,
  image: SliceImage,
  frames: number,
): (frame: number) => Int16Array | Uint16Array | Int8Array | Uint8Array {
  let all: DataView | undefined;
  const bits = image.getBitsAllocated() ?? 16;
  const stored = image.getBitsStored() ?? bits;
  const signed = image.getPixelRepresentation() === 1;
  const count = image.getRows()! * image.getCols()!;
  return (frame) => {
    if (!all) {
      try {
        image.getPixelDataBytes(); // decompresses encapsulated pixel data in place
      } catch (error) {
        throw new DicomError(
          'DICOM_INVALID_FILE',
          `${file}: the pixel data cannot be decoded (${error instanceof Error ? error.message : String(error)})`,
          { details: { file }, cause: error },
        );
      }
      // The tag's own view: its buffer may be the whole file, so offsets matter.
      const tag = image.getTag(0x7fe0, 0x0010)?.value;
      if (!(tag instanceof DataView))
        throw new DicomError('DICOM_INVALID_FILE', `${file}: the pixel data is missing or unreadable`, { details: { file } });
      all = tag;
    }
    const bytesPer = bits / 8;
    checkPixelLength(file, image, all.byteLength, frames);
    const offset = all.byteOffset + frame * count * bytesPer;
    // Typed arrays rather than a DataView loop: a 512x512 CT slice decodes in a fraction of the time.
    // Masking writes into the values, so it needs a copy of its own, never a view of the caller's bytes.
    const out = storedValues(all.buffer as ArrayBuffer, offset, count, bits, signed, image.littleEndian, stored < bits);
    if (stored < bits) {
      const mask = (1 << stored) - 1;
      const signBit = 1 << (stored - 1);
      const wrap = 1 << stored;
      const raw = bits === 8 ? new Uint8Array(out.buffer) : new Uint16Array(out.buffer);
      for (let i = 0; i < count; i += 1) {
        const v = raw[i]! & mask;
        out[i] = signed && v & signBit ? v - wrap : v;
      }
    }
    return out;
  };
}

/**
 * One frame's stored values as an array of the pixel type, in the machine's byte order: a view of the pixel
 * data where it can be one (native byte order, aligned) unless `fresh` asks for a copy to modify. The series
 * copies every plane into its volume anyway, so a second copy here only cost time and garbage.
 */
function storedValues(
  buffer: ArrayBuffer,
  offset: number,
  count: number,
  bits: number,
  signed: boolean,
  littleEndian: boolean,
  fresh: boolean,
): Int16Array | Uint16Array | Int8Array | Uint8Array {
  if (bits === 8) {
    const bytes = fresh ? new Uint8Array(buffer.slice(offset, offset + count)) : new Uint8Array(buffer, offset, count);
    return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, count) : bytes;
  }
  const swap = littleEndian !== MACHINE_LITTLE_ENDIAN;
  if (!fresh && !swap && offset % 2 === 0) return signed ? new Int16Array(buffer, offset, count) : new Uint16Array(buffer, offset, count);
  const copy = buffer.slice(offset, offset + 2 * count);
  const values = signed ? new Int16Array(copy) : new Uint16Array(copy);
  if (swap) {
    const bytes = new Uint8Array(copy);
    for (let i = 0; i < bytes.length; i += 2) {
      const b = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = b;
    }
  }
  return values;
}

const MACHINE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function invalid(file: string, reason: string, cause?: unknown): DicomError {
  return new DicomError('DICOM_INVALID_FILE', `${file}: not a readable DICOM file (${reason})`, { details: { file }, cause });
}
