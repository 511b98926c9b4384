import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { datatypeByCode, isGzip, readNifti, readNiftiHeader, type NiftiHeader, type NiftiVolume } from '@medaas/nifti-io';
import { HttpProblem } from './errors.js';
import type { ResolvedLimits } from './limits.js';

/** The limits a decode of an uploaded or stored NIfTI obeys. */
export type ImageLimits = Pick<
  ResolvedLimits,
  'maxDecodedBytes' | 'maxVoxels' | 'maxGzipRatio' | 'gzipRatioFreeBytes' | 'maxVoxOffsetBytes'
>;

/** A file nifti-io cannot read (not NIfTI, a broken header, truncated, corrupt gzip): each face answers it its own way. */
export class UnreadableImage extends Error {}

/** What an image's header announces, checked against the limits. */
export interface ImageSize {
  readonly dims: readonly number[];
  readonly voxels: number;
  /** Bytes of voxel data once decoded. */
  readonly dataBytes: number;
  readonly voxOffset: number;
  readonly gzip: boolean;
}

/** A further ceiling on the decoded bytes, for one caller (a session store's room), checked from the header. */
export interface DecodeBudget {
  readonly maxBytes: number;
  /** Names the ceiling in the 413's message, e.g. `the session store (sessions.maxSessionBytes)`. */
  readonly what: string;
}

const SLICE = 1 << 16;

/**
 * Decodes an uploaded NIfTI within the limits: the header is read first (inflating only the header and its
 * extensions), and the declared voxels are checked against `maxDecodedBytes`, `maxVoxels`, `budget` and, for
 * gzip, the expansion ratio, all before the voxels are inflated or allocated; then the file is inflated with
 * a running count that stops at the bytes the header announced (trailing data is never inflated).
 *
 * @throws {HttpProblem} 413 for an image over a limit, 422 for a header whose `vox_offset` lies past the
 *   data or beyond `maxVoxOffsetBytes`; {@link UnreadableImage} for a file that is not a readable NIfTI.
 */
export async function decodeNiftiBounded(
  bytes: Uint8Array,
  what: string,
  limits: ImageLimits,
  budget?: DecodeBudget,
): Promise<NiftiVolume> {
  const gzip = isGzip(bytes);
  const inflated = gzip ? inflateChunks(bytes) : undefined;
  try {
    const { header, prefix } = gzip
      ? await gzipHeader(inflated!, what, limits)
      : { header: await plainHeader(bytes, what), prefix: undefined };
    const size = checkSize(header, bytes.length, gzip, what, limits, budget);
    let file = bytes;
    if (gzip) {
      const needed = size.voxOffset + size.dataBytes;
      const out = new Uint8Array(needed);
      let filled = Math.min(prefix!.length, needed);
      out.set(prefix!.subarray(0, filled));
      const allowed = allowedInflate(bytes.length, limits);
      let total = prefix!.length;
      for await (const chunk of inflated!.iterator) {
        if (filled >= needed) break;
        total += chunk.length;
        // Unreachable while `needed <= allowed` holds; kept so that no path inflates past the ratio.
        if (total > allowed + SLICE) throw tooExpanded(what, bytes.length, limits);
        const part = chunk.subarray(0, needed - filled);
        out.set(part, filled);
        filled += part.length;
      }
      file = out.subarray(0, filled);
    }
    try {
      return await readNifti(file, { maxBytes: limits.maxDecodedBytes });
    } catch (error) {
      throw new UnreadableImage(error instanceof Error ? error.message : String(error));
    }
  } finally {
    inflated?.stop();
  }
}

/**
 * The size an image's header announces, checked against the limits, without decoding its voxels; for a
 * store that keeps files and decodes them later (MONAI Label's sessions).
 *
 * @throws as {@link decodeNiftiBounded}.
 */
export async function niftiUploadSize(bytes: Uint8Array, what: string, limits: ImageLimits, budget?: DecodeBudget): Promise<ImageSize> {
  const gzip = isGzip(bytes);
  const inflated = gzip ? inflateChunks(bytes) : undefined;
  try {
    const header = gzip ? (await gzipHeader(inflated!, what, limits)).header : await plainHeader(bytes, what);
    return checkSize(header, bytes.length, gzip, what, limits, budget);
  } finally {
    inflated?.stop();
  }
}

function checkSize(
  header: NiftiHeader,
  inputBytes: number,
  gzip: boolean,
  what: string,
  limits: ImageLimits,
  budget: DecodeBudget | undefined,
): ImageSize {
  const rank = header.dim[0]!;
  const dims = header.dim.slice(1, rank + 1);
  let voxels = 1;
  for (const n of dims) voxels *= n;
  const info = datatypeByCode(header.datatype);
  const dataBytes = voxels * info.componentBytes * info.components;
  const voxOffset = header.voxOffset;
  const shape = `${dims.join('x')} ${info.name} voxels`;
  if (voxels > limits.maxVoxels)
    throw new HttpProblem(
      413,
      `${what} has ${shape} (${voxels} voxels), more than the ${limits.maxVoxels} this server decodes (limits.maxVoxels)`,
    );
  if (dataBytes > limits.maxDecodedBytes)
    throw new HttpProblem(
      413,
      `${what} has ${shape} (${dataBytes} bytes decoded), more than the ${limits.maxDecodedBytes} this server decodes (limits.maxDecodedBytes)`,
    );
  if (budget && dataBytes > budget.maxBytes)
    throw new HttpProblem(
      413,
      `${what} has ${shape} (${dataBytes} bytes decoded), more than ${budget.what} holds (${budget.maxBytes} bytes)`,
    );
  const needed = voxOffset + dataBytes;
  if (!gzip && needed > inputBytes) {
    throw new HttpProblem(
      422,
      `${what} is truncated: its header announces ${shape} (${dataBytes} bytes from byte ${voxOffset}) but the file has ${inputBytes} bytes`,
    );
  }
  if (gzip && needed > allowedInflate(inputBytes, limits)) throw tooExpanded(what, inputBytes, limits, needed);
  return { dims, voxels, dataBytes, voxOffset, gzip };
}

/** The most a gzip input may inflate to: `maxGzipRatio` times its size, or `gzipRatioFreeBytes`, whichever is more. */
function allowedInflate(compressed: number, limits: ImageLimits): number {
  return Math.max(compressed * limits.maxGzipRatio, limits.gzipRatioFreeBytes);
}

function tooExpanded(what: string, compressed: number, limits: ImageLimits, needed?: number): HttpProblem {
  const amount = needed === undefined ? 'more' : `${needed} bytes`;
  return new HttpProblem(
    413,
    `${what} would inflate to ${amount}, more than ${limits.maxGzipRatio} times its ${compressed} compressed bytes (limits.maxGzipRatio, beyond limits.gzipRatioFreeBytes = ${limits.gzipRatioFreeBytes})`,
  );
}

/** The fixed header's size, byte order and `vox_offset`, or `undefined` until enough bytes are in. */
function fixedHeader(prefix: Uint8Array): { readonly bytes: 348 | 540; readonly voxOffset: number } | undefined {
  if (prefix.length < 4) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const little = view.getInt32(0, true);
  const big = view.getInt32(0, false);
  const size = little === 348 || little === 540 ? little : big === 348 || big === 540 ? big : undefined;
  if (size === undefined) throw new UnreadableImage(`not a NIfTI file: sizeof_hdr is ${little}, expected 348 or 540`);
  if (prefix.length < size) return undefined;
  const le = little === size;
  const voxOffset = size === 348 ? view.getFloat32(108, le) : Number(view.getBigInt64(168, le));
  return { bytes: size, voxOffset };
}

async function readHeader(prefix: Uint8Array): Promise<NiftiHeader> {
  let header: NiftiHeader;
  try {
    header = await readNiftiHeader(prefix);
  } catch (error) {
    throw new UnreadableImage(error instanceof Error ? error.message : String(error));
  }
  if (header.magic === 'ni1' || header.magic === 'ni2')
    throw new UnreadableImage(`this is a header-only NIfTI (magic "${header.magic}"): its voxels are in a separate .img file`);
  return header;
}

/** An uncompressed file's header: `vox_offset` must lie within the file. */
async function plainHeader(bytes: Uint8Array, what: string): Promise<NiftiHeader> {
  const fixed = fixedHeader(bytes);
  if (!fixed) return readHeader(bytes); // too short: nifti-io names the truncation
  if (Number.isSafeInteger(fixed.voxOffset) && fixed.voxOffset > bytes.length) {
    throw new HttpProblem(422, `${what}: vox_offset is ${fixed.voxOffset}, past the end of the ${bytes.length}-byte file`);
  }
  return readHeader(bytes.subarray(0, Math.max(fixed.bytes, Number.isSafeInteger(fixed.voxOffset) ? fixed.voxOffset : 0)));
}

/** A gzip file's header, inflating no more than the header and its extensions (at most `maxVoxOffsetBytes`). */
async function gzipHeader(
  inflated: InflatedChunks,
  what: string,
  limits: ImageLimits,
): Promise<{ header: NiftiHeader; prefix: Uint8Array }> {
  let prefix: Uint8Array = new Uint8Array(0);
  let wanted: number | undefined;
  for await (const chunk of inflated.iterator) {
    prefix = join(prefix, chunk);
    if (wanted === undefined) {
      const fixed = fixedHeader(prefix);
      if (!fixed) continue;
      if (Number.isSafeInteger(fixed.voxOffset) && fixed.voxOffset > limits.maxVoxOffsetBytes) {
        throw new HttpProblem(
          422,
          `${what}: vox_offset is ${fixed.voxOffset}, more than the ${limits.maxVoxOffsetBytes} bytes of header and extensions this server reads (limits.maxVoxOffsetBytes)`,
        );
      }
      // An invalid vox_offset (fractional, negative, inside the header): nifti-io names it from the fixed header.
      wanted = Number.isSafeInteger(fixed.voxOffset) && fixed.voxOffset >= fixed.bytes ? fixed.voxOffset : fixed.bytes;
    }
    if (prefix.length >= wanted) return { header: await readHeader(prefix.subarray(0, wanted)), prefix };
  }
  return { header: await readHeader(prefix), prefix };
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

interface InflatedChunks {
  /** One iterator over the inflated bytes, shared by the header read and the voxel read that follows it. */
  readonly iterator: AsyncIterable<Uint8Array>;
  /** Stops inflating (what was not read is never inflated). */
  stop(): void;
}

/** Inflates gzip bytes (every member) on the thread pool, chunk by chunk, as far as they are read. */
function inflateChunks(bytes: Uint8Array): InflatedChunks {
  const source = Readable.from(
    (function* slices() {
      for (let at = 0; at < bytes.length; at += SLICE)
        yield Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(SLICE, bytes.length - at));
    })(),
    { objectMode: false },
  );
  const gunzip = createGunzip({ chunkSize: SLICE });
  source.pipe(gunzip);
  // Errors reach the reader through the iterator; after a stop nobody reads, and an error must not crash the server.
  source.on('error', () => undefined);
  gunzip.on('error', () => undefined);
  const it = gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const iterator: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        try {
          return await it.next();
        } catch (error) {
          throw new UnreadableImage(`corrupt gzip data: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
      // Breaking out of one loop must not end the stream: the voxel read continues where the header read stopped.
      return: async () => ({ done: true, value: undefined }),
    }),
  };
  return {
    iterator,
    stop() {
      source.destroy();
      gunzip.destroy();
    },
  };
}
