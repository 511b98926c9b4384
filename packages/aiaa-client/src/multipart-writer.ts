import { readableChunks } from './bytes.js';

/** A volume or image to upload: bytes in memory, or a `Blob` (e.g. `fs.openAsBlob(path)`), which is streamed. */
export type AiaaImage = Uint8Array | Blob;

/** One text field of a multipart request. */
export interface TextField {
  readonly name: string;
  readonly value: string;
}

/** The file part of a multipart request. */
export interface FileField {
  readonly name: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly data: AiaaImage;
}

/** A multipart request body whose length is known before the first byte is sent. */
export interface MultipartBody {
  readonly contentType: string;
  readonly length: number;
  /** Yields the body; file data is read in slices, never copied whole. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The body as pieces for a `Blob` (the file part as given, a `Blob` is not read). */
  parts(): readonly (Uint8Array | Blob)[];
}

const CRLF = '\r\n';
const SLICE_BYTES = 1 << 20;
const encoder = new TextEncoder();

/**
 * Builds a `multipart/form-data` body the way the official clients do: text fields first, then the file,
 * every part followed by CRLF, and an exact `Content-Length`.
 */
export function buildMultipart(fields: readonly TextField[], file?: FileField): MultipartBody {
  // A random token boundary (RFC 2046 bchars only) cannot occur inside a gzip stream by accident in practice.
  const boundary = `----medaas-${randomHex(12)}`;
  const heads: Uint8Array[] = fields.map((field) =>
    encoder.encode(
      `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(field.name)}"${CRLF}${CRLF}${field.value}${CRLF}`,
    ),
  );
  const fileHead = file
    ? encoder.encode(
        `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(file.name)}"; filename="${quote(file.fileName)}"${CRLF}` +
          `Content-Type: ${file.contentType}${CRLF}${CRLF}`,
      )
    : undefined;
  const tail = encoder.encode(`${file ? CRLF : ''}--${boundary}--${CRLF}`);
  const fileBytes = file ? sizeOf(file.data) : 0;
  const length = heads.reduce((sum, head) => sum + head.byteLength, 0) + (fileHead?.byteLength ?? 0) + fileBytes + tail.byteLength;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    async *chunks() {
      yield* heads;
      if (file && fileHead) {
        yield fileHead;
        yield* dataChunks(file.data);
      }
      yield tail;
    },
    parts() {
      return [...heads, ...(file && fileHead ? [fileHead, file.data] : []), tail];
    },
  };
}

/** `bytes` random bytes as hex, from the Web Crypto API (global in Node 20 and in browsers). */
function randomHex(bytes: number): string {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The byte length of an image. */
export function sizeOf(data: AiaaImage): number {
  return data instanceof Uint8Array ? data.byteLength : data.size;
}

async function* dataChunks(data: AiaaImage): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) {
    for (let offset = 0; offset < data.byteLength; offset += SLICE_BYTES) yield data.subarray(offset, offset + SLICE_BYTES);
    return;
  }
  yield* readableChunks(data.stream());
}

/** Whether an image starts with the gzip magic bytes, so that it can be named `.nii.gz` like the official clients do. */
export async function isGzipImage(data: AiaaImage): Promise<boolean> {
  const head = data instanceof Uint8Array ? data.subarray(0, 2) : new Uint8Array(await data.slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
}

function quote(value: string): string {
  return value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ');
}
