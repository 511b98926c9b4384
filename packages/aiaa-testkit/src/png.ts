import { promisify } from 'node:util';
import { crc32, deflateSync, inflate } from 'node:zlib';
import { HttpProblem } from './errors.js';
import type { ResolvedLimits } from './limits.js';

const inflateAsync = promisify(inflate);

/** A decoded 2-D greyscale image: `width * height` values, row by row. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** The limits a PNG decode obeys (those of NIfTI uploads: pixels are voxels). */
export type PngLimits = Pick<ResolvedLimits, 'maxVoxels' | 'maxDecodedBytes' | 'maxGzipRatio' | 'gzipRatioFreeBytes'>;

/**
 * Decodes a non-interlaced PNG (greyscale, RGB, with or without alpha; 8 or 16 bits) into greyscale: the
 * official clients send 2-D fixpolygon images as PNG. Colour becomes luma (ITU-R BT.601), alpha is dropped.
 * Anything else is a 400 with the reason, never a crash. The size in its header is checked against the
 * limits (413) before the pixels are inflated, and inflating stops at the bytes that size needs.
 */
export async function decodePng(bytes: Uint8Array, limits: PngLimits): Promise<GreyImage> {
  const bad = (why: string): never => {
    throw new HttpProblem(400, `the uploaded PNG cannot be read: ${why}`);
  };
  if (!isPng(bytes)) bad('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: { width: number; height: number; depth: number; colour: number; interlace: number } | undefined;
  const idat: Uint8Array[] = [];
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) bad(`chunk ${type} runs past the end`);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: view.getUint32(offset + 8),
        height: view.getUint32(offset + 12),
        depth: body[8]!,
        colour: body[9]!,
        interlace: body[12]!,
      };
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header) bad('no IHDR chunk');
  const { width, height, depth, colour, interlace } = header!;
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (channels === undefined) bad(`colour type ${colour} (palette images are not supported)`);
  if (depth !== 8 && depth !== 16) bad(`bit depth ${depth}`);
  if (interlace !== 0) bad('interlaced images are not supported');
  if (width < 1 || height < 1) bad(`size ${width}x${height}`);
  if (width * height > limits.maxVoxels)
    throw new HttpProblem(
      413,
      `the uploaded PNG has ${width}x${height} pixels, more than the ${limits.maxVoxels} this server decodes (limits.maxVoxels)`,
    );
  const bytesPerPixel = (channels! * depth) / 8;
  const stride = width * bytesPerPixel;
  const rawBytes = height * (stride + 1);
  if (rawBytes > limits.maxDecodedBytes)
    throw new HttpProblem(
      413,
      `the uploaded PNG has ${rawBytes} bytes of pixel data, more than the ${limits.maxDecodedBytes} this server decodes (limits.maxDecodedBytes)`,
    );
  const compressed = Buffer.concat(idat);
  if (rawBytes > Math.max(compressed.length * limits.maxGzipRatio, limits.gzipRatioFreeBytes)) {
    throw new HttpProblem(
      413,
      `the uploaded PNG would inflate to ${rawBytes} bytes, more than ${limits.maxGzipRatio} times its ${compressed.length} compressed bytes (limits.maxGzipRatio)`,
    );
  }
  let raw: Uint8Array;
  try {
    // Never more than the image needs: extra data (a zlib bomb after the pixels) is not inflated.
    raw = await inflateAsync(compressed, { maxOutputLength: Math.max(1, rawBytes) });
  } catch (error) {
    return bad(`corrupt image data (${(error as Error).message})`);
  }
  if (raw.length < height * (stride + 1)) bad('the image data is shorter than its size');
  const rows = unfilter(raw, height, stride, bytesPerPixel, bad);
  const data = depth === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  const sample = (row: Uint8Array, x: number, c: number): number =>
    depth === 8 ? row[x * bytesPerPixel + c]! : (row[x * bytesPerPixel + 2 * c]! << 8) | row[x * bytesPerPixel + 2 * c + 1]!;
  for (let y = 0; y < height; y += 1) {
    const row = rows.subarray(y * stride, (y + 1) * stride);
    for (let x = 0; x < width; x += 1) {
      data[y * width + x] =
        channels! >= 3 ? Math.round(0.299 * sample(row, x, 0) + 0.587 * sample(row, x, 1) + 0.114 * sample(row, x, 2)) : sample(row, x, 0);
    }
  }
  return { width, height, data };
}

/** PNG's per-row filters (none, sub, up, average, Paeth), undone in place into a new buffer. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, bad: (why: string) => never): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let i = 0; i < stride; i += 1) {
      const a = i >= bpp ? out[at + i - bpp]! : 0;
      const b = y > 0 ? out[at - stride + i]! : 0;
      const c = y > 0 && i >= bpp ? out[at - stride + i - bpp]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return bad(`unknown row filter ${filter}`);
      }
      out[at + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return out;
}

/** Encodes an 8-bit greyscale image as PNG (filter none, zlib): how fixpolygon returns a 2-D mask. */
export function encodePng(image: { readonly width: number; readonly height: number; readonly data: Uint8Array }): Uint8Array {
  const { width, height, data } = image;
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y += 1) raw.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
