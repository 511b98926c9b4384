import { createProgressReporter, type ProgressCallback } from '@medaas/core';
import { MACHINE_IS_LITTLE_ENDIAN, swapBytesInPlace } from './byte-order.js';
import { MAX_DEFLATE_RATIO } from './codec/gzip-codec.js';
import { NiftiError } from './errors.js';
import { decodeHeader, headerBytesNeeded } from './header-decode.js';
import type { NiftiHeader } from './header.js';
import { interpretHeader, type HeaderMeaning } from './header-interpret.js';
import { volumeFromHeader } from './volume-from-header.js';
import type { NiftiVolume } from './volume.js';

/** The default ceiling on the voxel data a read may allocate: 8 GiB. */
export const DEFAULT_MAX_BYTES = 8 * 2 ** 30;

/** What the assembler knows about its input before the first byte arrives. */
export interface AssemblerInput {
  /** Size of the input in bytes (compressed size for gzip), when known: used to refuse impossible sizes before allocating. */
  readonly size?: number | undefined;
  /** Whether the bytes pushed are decompressed from gzip. */
  readonly gzip: boolean;
  /** Ceiling on the voxel data in bytes. */
  readonly maxBytes?: number | undefined;
  /** Progress of the decoding, in bytes of decoded data. */
  readonly onProgress?: ProgressCallback | undefined;
}

/**
 * Builds a volume from a stream of decompressed NIfTI bytes with one allocation: it collects the header
 * (and extensions) first, validates them, allocates the voxel buffer of exactly the announced size, then
 * copies each chunk straight into it. A 1 GB file therefore never exists twice in memory.
 */
export class VolumeAssembler {
  #prefix: Uint8Array[] = [];
  #prefixLength = 0;
  #header: NiftiHeader | undefined;
  #meaning: HeaderMeaning | undefined;
  #data: Uint8Array | undefined;
  #filled = 0;
  readonly #input: AssemblerInput;
  readonly #progress;

  constructor(input: AssemblerInput) {
    this.#input = input;
    this.#progress = createProgressReporter(input.onProgress, { phase: 'decode', total: undefined });
  }

  /** Takes the next chunk of decompressed file bytes. */
  push(chunk: Uint8Array): void {
    if (this.#data) {
      this.#copy(chunk);
      return;
    }
    this.#prefix.push(chunk);
    this.#prefixLength += chunk.length;
    this.#tryStart();
  }

  /**
   * The part of the voxel buffer not yet filled, once the header is in: a reader that can read straight
   * into memory (an uncompressed file) fills it and calls {@link VolumeAssembler.commit}, saving a copy.
   */
  unfilled(): Uint8Array | undefined {
    return this.#data?.subarray(this.#filled);
  }

  /** Records that `bytes` more bytes of {@link VolumeAssembler.unfilled} were written in place. */
  commit(bytes: number): void {
    const data = this.#data;
    if (!data || bytes < 0 || this.#filled + bytes > data.length) throw new RangeError('commit past the voxel buffer');
    this.#filled += bytes;
    this.#progress.update(this.#filled);
  }

  /**
   * Ends the input and returns the volume.
   *
   * @throws {NiftiError} `NIFTI_TRUNCATED` when the input ended early, plus every header error.
   */
  finish(): NiftiVolume {
    if (!this.#data) {
      this.#tryStart(true);
    }
    const header = this.#header;
    const meaning = this.#meaning;
    const data = this.#data;
    if (!header || !meaning || !data) throw new Error('unreachable: header parsed without allocation');
    if (this.#filled < data.length) {
      throw new NiftiError(
        'NIFTI_TRUNCATED',
        `the file ends ${data.length - this.#filled} bytes early: the header announces ${meaning.dims.join('x')} ${meaning.datatype.name} voxels (${data.length} bytes from byte ${meaning.voxOffset}) but only ${this.#filled} bytes of voxel data follow`,
        { details: { expectedBytes: data.length, actualBytes: this.#filled, voxOffset: meaning.voxOffset } },
      );
    }
    if (header.littleEndian !== MACHINE_IS_LITTLE_ENDIAN) swapBytesInPlace(data, meaning.datatype.componentBytes);
    this.#progress.done(data.length);
    return volumeFromHeader(header, meaning, data);
  }

  #tryStart(ended = false): void {
    const bytes = this.#joinedPrefix();
    const fixed = headerBytesNeeded(bytes);
    if (fixed === 0 || bytes.length < fixed) {
      if (ended) decodeHeader(bytes); // throws the precise truncation or not-NIfTI error
      return;
    }
    // The fixed header alone says where the data starts; extensions are decoded once all of it is here.
    const preliminary = decodeHeader(bytes.subarray(0, fixed));
    if (preliminary.magic === 'ni1' || preliminary.magic === 'ni2') {
      throw new NiftiError('NIFTI_INVALID_HEADER', `this is a header-only NIfTI (magic "${preliminary.magic}"): its voxels are in a separate .img file`, {
        details: { field: 'magic', value: preliminary.magic },
      });
    }
    const meaning = interpretHeader(preliminary);
    this.#checkSize(meaning);
    if (bytes.length < meaning.voxOffset) {
      if (ended) {
        throw new NiftiError('NIFTI_TRUNCATED', `vox_offset is ${meaning.voxOffset} but the file ends after ${bytes.length} bytes`, {
          details: { field: 'vox_offset', value: meaning.voxOffset, length: bytes.length },
        });
      }
      return;
    }
    this.#header = decodeHeader(bytes.subarray(0, meaning.voxOffset));
    this.#meaning = meaning;
    this.#data = new Uint8Array(meaning.dataBytes);
    this.#prefix = [];
    this.#prefixLength = 0;
    this.#copy(bytes.subarray(meaning.voxOffset));
  }

  #checkSize(meaning: HeaderMeaning): void {
    const maxBytes = this.#input.maxBytes ?? DEFAULT_MAX_BYTES;
    const needed = meaning.voxOffset + meaning.dataBytes;
    if (meaning.dataBytes > maxBytes) {
      throw new NiftiError('NIFTI_TOO_LARGE', `the header announces ${meaning.dims.join('x')} ${meaning.datatype.name} voxels (${meaning.dataBytes} bytes), more than the ${maxBytes}-byte limit`, {
        details: { dims: meaning.dims, dataBytes: meaning.dataBytes, maxBytes },
      });
    }
    const { size, gzip } = this.#input;
    if (size === undefined) return;
    // Refuse before allocating: an uncompressed file must hold every byte; a gzip file cannot expand more than deflate allows.
    const possible = gzip ? size * MAX_DEFLATE_RATIO + 4096 : size;
    if (needed > possible) {
      throw new NiftiError(
        'NIFTI_TRUNCATED',
        `the header announces ${meaning.dims.join('x')} ${meaning.datatype.name} voxels (${needed} bytes with the header) but the ${gzip ? 'compressed ' : ''}input has ${size} bytes${gzip ? ', which cannot decompress to that much' : ''}`,
        { details: { expectedBytes: needed, inputBytes: size, gzip } },
      );
    }
  }

  #copy(chunk: Uint8Array): void {
    const data = this.#data!;
    const room = data.length - this.#filled;
    if (room <= 0 || chunk.length === 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    data.set(part, this.#filled);
    this.#filled += part.length;
    this.#progress.update(this.#filled);
  }

  #joinedPrefix(): Uint8Array {
    if (this.#prefix.length === 1) return this.#prefix[0]!;
    const joined = new Uint8Array(this.#prefixLength);
    let offset = 0;
    for (const part of this.#prefix) {
      joined.set(part, offset);
      offset += part.length;
    }
    this.#prefix = [joined];
    return joined;
  }
}
