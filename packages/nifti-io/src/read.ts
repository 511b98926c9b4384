import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import { codec } from '#gzip';
import { VolumeAssembler } from './assembler.js';
import { isGzip } from './codec/gzip-codec.js';
import { NiftiError } from './errors.js';
import { decodeHeader, headerBytesNeeded } from './header-decode.js';
import type { NiftiHeader } from './header.js';
import { interpretHeader } from './header-interpret.js';
import { checkExtensionArea, resolveLimits, type DecodeLimits } from './decode-limits.js';
import type { NiftiVolume } from './volume.js';

/**
 * Options of {@link readNifti}: the decode limits (see {@link DecodeLimits}; each is checked from the
 * header before anything is allocated or inflated), cancellation and progress.
 */
export interface ReadNiftiOptions extends DecodeLimits {
  /** Cancels the read; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports decoding progress in bytes of voxel data (`phase: 'decode'`). */
  readonly onProgress?: ProgressCallback | undefined;
}

/** What a NIfTI reader accepts: the file's bytes, or a `Blob`/`File` that is read as a stream. */
export type NiftiSource = Uint8Array | Blob;

/**
 * Reads a NIfTI-1 or NIfTI-2 volume from bytes or a Blob, compressed or not (gzip is recognised by its
 * magic number, not by a file name), in either byte order.
 *
 * The voxel values are returned as stored, in the file's datatype, with `scaling` describing
 * `scl_slope`/`scl_inter` when the file has one (see `scaledData`). The affine follows the standard's
 * precedence (sform, then qform, then pixdim) in RAS+ millimetres.
 *
 * Hostile input is bounded: voxel data above `maxBytes` (default 4 GiB), a `vox_offset` more than
 * `maxExtensionBytes` (64 MiB) past the header, and gzip input that would expand more than
 * `maxGzipRatio` (500:1) once past `gzipRatioFloorBytes` (1 GiB) are refused with a typed error.
 *
 * @throws {NiftiError} `NIFTI_NOT_NIFTI`, `NIFTI_TRUNCATED`, `NIFTI_INVALID_HEADER` (also a `vox_offset`
 *   beyond `maxExtensionBytes`), `NIFTI_INVALID_PIXDIM`, `NIFTI_UNSUPPORTED_DATATYPE`, `NIFTI_TOO_LARGE`
 *   (`details.option` names the limit, with `declared` and `limit`), `NIFTI_CORRUPT_GZIP`,
 *   `NIFTI_INVALID_EXTENSION`, `NIFTI_INVALID_ARGUMENT` (a limit that is not a positive number); or
 *   `signal.reason` when aborted.
 * @example
 * ```ts
 * const volume = await readNifti(new Uint8Array(await response.arrayBuffer()));
 * console.log(volume.dims, volume.datatype, geometryFromAffine(volume.affine).spacingMm);
 * ```
 */
export async function readNifti(source: NiftiSource, options: ReadNiftiOptions = {}): Promise<NiftiVolume> {
  const { signal } = options;
  throwIfAborted(signal);
  const limits = resolveLimits(options);
  const first = await peek(source, 2);
  const gzip = isGzip(first);
  const assembler = new VolumeAssembler({ gzip, size: sizeOf(source), limits, onProgress: options.onProgress });
  const raw = chunksOf(source, signal);
  for await (const chunk of gzip ? codec.gunzip(raw, signal) : raw) {
    throwIfAborted(signal);
    assembler.push(chunk);
  }
  throwIfAborted(signal);
  return assembler.finish();
}

/**
 * Reads and validates only the header (and extensions) of a NIfTI file, decompressing no more than it
 * needs. Useful to check a file's size and geometry before downloading or decoding the voxels.
 *
 * @throws {NiftiError} as {@link readNifti}, except errors about the voxel data itself.
 * @example
 * ```ts
 * const header = await readNiftiHeader(bytes);
 * console.log(header.dim, header.datatype, header.sformCode);
 * ```
 */
export async function readNiftiHeader(source: NiftiSource, options: Omit<ReadNiftiOptions, 'onProgress'> = {}): Promise<NiftiHeader> {
  const { signal } = options;
  throwIfAborted(signal);
  const limits = resolveLimits(options);
  const gzip = isGzip(await peek(source, 2));
  const raw = chunksOf(source, signal);
  const parts: Uint8Array[] = [];
  let length = 0;
  let wanted = 4;
  // A header-only file's extensions run to its end: at most maxExtensionBytes past the fixed header.
  let headerOnly: { sizeofHdr: number } | undefined;
  for await (const chunk of gzip ? codec.gunzip(raw, signal) : raw) {
    parts.push(chunk);
    length += chunk.length;
    if (headerOnly) checkExtensionArea('extensions', length - 4, headerOnly.sizeofHdr, limits);
    if (length < wanted) continue;
    const bytes = concat(parts, length);
    const fixed = headerBytesNeeded(bytes);
    if (length < fixed) {
      wanted = fixed;
      continue;
    }
    const header = decodeHeader(bytes.subarray(0, fixed));
    const single = header.magic === 'n+1' || header.magic === 'n+2';
    const { voxOffset } = interpretHeader(header);
    if (single) checkExtensionArea('vox_offset', voxOffset, header.sizeofHdr, limits);
    // Extensions end at vox_offset in a single file; in a header-only file they run to the end.
    if (single && length >= voxOffset) return decodeHeader(bytes.subarray(0, voxOffset));
    wanted = single ? voxOffset : Number.POSITIVE_INFINITY;
    if (!single) {
      headerOnly = { sizeofHdr: header.sizeofHdr };
      checkExtensionArea('extensions', length - 4, header.sizeofHdr, limits);
    }
  }
  throwIfAborted(signal);
  const bytes = concat(parts, length);
  const header = decodeHeader(bytes);
  if (header.magic === 'n+1' || header.magic === 'n+2') {
    const { voxOffset } = interpretHeader(header);
    if (length < voxOffset) {
      throw new NiftiError('NIFTI_TRUNCATED', `vox_offset is ${voxOffset} but the file ends after ${length} bytes`, {
        details: { field: 'vox_offset', value: voxOffset, length },
      });
    }
  } else {
    interpretHeader(header);
  }
  return header;
}

/** Chunk size for feeding in-memory bytes to the decoder: big enough to be cheap, small enough to interleave. */
const SLICE = 4 << 20;

async function* chunksOf(source: NiftiSource, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let offset = 0; offset < source.length; offset += SLICE) {
      throwIfAborted(signal);
      yield source.subarray(offset, offset + SLICE);
    }
    return;
  }
  if (!isBlob(source)) {
    throw new NiftiError('NIFTI_IO', 'readNifti takes a Uint8Array (a Buffer is one) or a Blob', {
      details: { type: Object.prototype.toString.call(source) },
    });
  }
  const reader = source.stream().getReader();
  try {
    for (;;) {
      throwIfAborted(signal);
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function peek(source: NiftiSource, n: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source.subarray(0, n);
  if (!isBlob(source)) {
    throw new NiftiError('NIFTI_IO', 'readNifti takes a Uint8Array (a Buffer is one) or a Blob', {
      details: { type: Object.prototype.toString.call(source) },
    });
  }
  return new Uint8Array(await source.slice(0, n).arrayBuffer());
}

function sizeOf(source: NiftiSource): number {
  return source instanceof Uint8Array ? source.length : source.size;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  parts.splice(0, parts.length, out);
  return out;
}
