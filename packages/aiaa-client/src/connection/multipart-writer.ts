import type { RequestBody } from './body.js';
import { readableChunks } from './bytes.js';

/** A volume or image to upload: bytes in memory, or a `Blob` (e.g. `fs.openAsBlob(path)`), which is streamed. */
export type AiaaImage = Uint8Array | Blob;

/** One text field of a multipart request. */
export interface TextField {
  readonly name: string;
  readonly value: string;
}

/** A file part of a multipart request. */
export interface FileField {
  readonly name: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly data: AiaaImage;
}

/** A multipart request body whose length is known before the first byte is sent. */
export type MultipartBody = RequestBody;

const CRLF = '\r\n';
const SLICE_BYTES = 1 << 20;
const encoder = new TextEncoder();

/**
 * Builds a `multipart/form-data` body the way the official clients do: text fields first, then the files,
 * every part followed by CRLF, and an exact `Content-Length`. File data is not copied: a `Blob` is read in
 * slices while it is sent (Node) or handed to the browser as it is (`parts()`).
 */
export function buildMultipart(fields: readonly TextField[], files?: FileField | readonly FileField[]): MultipartBody {
  const list: readonly FileField[] = files === undefined ? [] : Array.isArray(files) ? files : [files as FileField];
  // A random token boundary (RFC 2046 bchars only) cannot occur inside a gzip stream by accident in practice.
  const boundary = `----medaas-${randomHex(12)}`;
  const heads: Uint8Array[] = fields.map((field) =>
    encoder.encode(`--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(field.name)}"${CRLF}${CRLF}${field.value}${CRLF}`),
  );
  const fileHeads = list.map((file) =>
    encoder.encode(
      `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(file.name)}"; filename="${quote(file.fileName)}"${CRLF}` +
        `Content-Type: ${file.contentType}${CRLF}${CRLF}`,
    ),
  );
  const crlf = encoder.encode(CRLF);
  const tail = encoder.encode(`--${boundary}--${CRLF}`);
  let length = tail.byteLength;
  for (const head of heads) length += head.byteLength;
  list.forEach((file, index) => (length += fileHeads[index]!.byteLength + sizeOf(file.data) + crlf.byteLength));
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    async *chunks() {
      yield* heads;
      for (const [index, file] of list.entries()) {
        yield fileHeads[index]!;
        yield* dataChunks(file.data);
        yield crlf;
      }
      yield tail;
    },
    parts() {
      return [...heads, ...list.flatMap((file, index) => [fileHeads[index]!, file.data, crlf]), tail];
    },
  };
}

/** `bytes` random bytes as hex, from the Web Crypto API (global in Node 20 and in browsers). */
export function randomHex(bytes: number): string {
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

function quote(value: string): string {
  return value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ');
}
