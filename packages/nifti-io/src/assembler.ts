import { createProgressReporter, type ProgressCallback } from '@medaas/core';
import { MACHINE_IS_LITTLE_ENDIAN, swapBytesInPlace } from './byte-order.js';
import { MAX_DEFLATE_RATIO } from './codec/gzip-codec.js';
import { NiftiError } from './errors.js';
import { decodeHeader, headerBytesNeeded } from './header-decode.js';
import type { NiftiHeader } from './header.js';
import { interpretHeader, type HeaderMeaning } from './header-interpret.js';
import { checkDeclaredSize, checkExtensionArea, InflateBudget, type ResolvedLimits } from './decode-limits.js';
import { volumeFromHeader } from './volume-from-header.js';
import type { NiftiVolume } from './volume.js';

/** What the assembler knows about its input before the first byte arrives. */
export interface AssemblerInput {
  /** Size of the input in bytes (compressed size for gzip), when known: used to refuse impossible sizes before allocating. */
  readonly size?: number | undefined;
  /** Whether the bytes pushed are decompressed from gzip. */
  readonly gzip: boolean;
  /** The decode limits, defaults filled in. */
  readonly limits: ResolvedLimits;
  /** Progress of the decoding, in bytes of decoded data. */
  readonly onProgress?: ProgressCallback | undefined;
}

/**
 * Builds a volume from a stream of decompressed NIfTI bytes with one allocation: it collects the header
 * (and extensions) first, validates them, allocates the voxel buffer of exactly the announced size, then
 * copies each chunk straight into it. A 1 GB file therefore never exists twice in memory.
 *
 * The chunks before the voxel data are kept as a list and joined only when enough bytes have arrived for
 * the next step (4 bytes to tell the version, the fixed header, then `vox_offset`): at most three joins,
 * so the work is linear in the input however far away `vox_offset` lies (and that distance is bounded by
 * `maxExtensionBytes`, checked from the fixed header).
 */
export class VolumeAssembler {
  #prefix: Uint8Array[] = [];
  #prefixLength = 0;
  /** Bytes the prefix must reach before the next attempt to parse it. */
  #needed = 4;
  #meaning: HeaderMeaning | undefined;
  #header: NiftiHeader | undefined;
  #data: Uint8Array | undefined;
  #filled = 0;
  readonly #input: AssemblerInput;
  readonly #budget: InflateBudget | undefined;
  readonly #progress;

  constructor(input: AssemblerInput) {
    this.#input = input;
    this.#budget = input.gzip ? new InflateBudget(input.size, input.limits) : undefined;
    this.#progress = createProgressReporter(input.onProgress, { phase: 'decode', total: undefined });
  }

  /**
   * Takes the next chunk of decompressed file bytes.
   *
   * @throws {NiftiError} every header and limit error, as soon as the bytes that show it have arrived.
   */
  push(chunk: Uint8Array): void {
    this.#budget?.add(chunk.length, this.#meaning?.voxOffset ?? 0);
    if (this.#data) {
      this.#copy(chunk);
      return;
    }
    this.#prefix.push(chunk);
    this.#prefixLength += chunk.length;
    if (this.#prefixLength >= this.#needed) this.#tryStart();
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
    if (!data || !Number.isInteger(bytes) || bytes < 0 || this.#filled + bytes > data.length) {
      // A reader's bug, not a bad file: say so with the numbers rather than write past the buffer.
      throw new NiftiError(
        'NIFTI_INVALID_ARGUMENT',
        `cannot commit ${bytes} bytes: ${this.#filled} of ${data?.length ?? 0} voxel bytes are filled`,
        {
          details: { bytes, filled: this.#filled, length: data?.length ?? 0 },
        },
      );
    }
    this.#filled += bytes;
    this.#progress.update(this.#filled);
  }

  /**
   * Ends the input and returns the volume.
   *
   * @throws {NiftiError} `NIFTI_TRUNCATED` when the input ended early, plus every header error.
   */
  finish(): NiftiVolume {
    if (!this.#data) this.#tryStart(true);
    const header = this.#header;
    const meaning = this.#meaning;
    const data = this.#data;
    if (!header || !meaning || !data) {
      // The input ended inside the header and decoding what there is did not already say why.
      throw new NiftiError('NIFTI_TRUNCATED', `the file ends after ${this.#prefixLength} bytes, before its header is complete`, {
        details: { actualBytes: this.#prefixLength },
      });
    }
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
      this.#needed = Math.max(4, fixed);
      return;
    }
    const meaning = this.#meaning ?? this.#interpret(bytes.subarray(0, fixed));
    if (bytes.length < meaning.voxOffset) {
      if (ended) {
        throw new NiftiError('NIFTI_TRUNCATED', `vox_offset is ${meaning.voxOffset} but the file ends after ${bytes.length} bytes`, {
          details: { field: 'vox_offset', value: meaning.voxOffset, length: bytes.length },
        });
      }
      this.#needed = meaning.voxOffset;
      return;
    }
    this.#header = decodeHeader(bytes.subarray(0, meaning.voxOffset));
    this.#data = allocate(meaning);
    this.#prefix = [];
    this.#prefixLength = 0;
    this.#copy(bytes.subarray(meaning.voxOffset));
  }

  /** Decodes and checks the fixed header, once: it alone says where the data starts and how big it is. */
  #interpret(fixedBytes: Uint8Array): HeaderMeaning {
    const preliminary = decodeHeader(fixedBytes);
    if (preliminary.magic === 'ni1' || preliminary.magic === 'ni2') {
      throw new NiftiError(
        'NIFTI_INVALID_HEADER',
        `this is a header-only NIfTI (magic "${preliminary.magic}"): its voxels are in a separate .img file`,
        {
          details: { field: 'magic', value: preliminary.magic },
        },
      );
    }
    const meaning = interpretHeader(preliminary);
    checkExtensionArea('vox_offset', meaning.voxOffset, preliminary.sizeofHdr, this.#input.limits);
    this.#checkSize(meaning);
    this.#meaning = meaning;
    return meaning;
  }

  #checkSize(meaning: HeaderMeaning): void {
    const { size, gzip, limits } = this.#input;
    checkDeclaredSize(
      { dims: meaning.dims, datatypeName: meaning.datatype.name, voxOffset: meaning.voxOffset, dataBytes: meaning.dataBytes },
      { gzip, size },
      limits,
    );
    if (size === undefined) return;
    // Refuse before allocating: an uncompressed file must hold every byte; a gzip file cannot expand more than deflate allows.
    const needed = meaning.voxOffset + meaning.dataBytes;
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

/** The voxel buffer; a platform that cannot allocate it (beyond its typed-array or memory limit) gets a typed error. */
function allocate(meaning: HeaderMeaning): Uint8Array {
  try {
    return new Uint8Array(meaning.dataBytes);
  } catch (error) {
    throw new NiftiError(
      'NIFTI_TOO_LARGE',
      `cannot allocate ${meaning.dataBytes} bytes for ${meaning.dims.join('x')} ${meaning.datatype.name} voxels on this platform (${error instanceof Error ? error.message : String(error)})`,
      {
        details: { option: 'maxBytes', declared: meaning.dataBytes, dims: meaning.dims },
        cause: error,
      },
    );
  }
}
