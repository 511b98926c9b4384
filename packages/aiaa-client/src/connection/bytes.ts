/**
 * Byte helpers on plain `Uint8Array`s, so that the client runs where Node's `Buffer` does not (browsers,
 * workers). The search jumps between candidate first bytes with the engine's native `indexOf`.
 */

const utf8Decoder = new TextDecoder('utf-8');

/** The bytes as UTF-8 text (invalid sequences become U+FFFD). */
export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** A Latin-1 string (code points below 256) as bytes, one byte per character. */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** One array holding the given ones in order (the single array itself when there is one). */
export function concatBytes(list: readonly Uint8Array[]): Uint8Array {
  if (list.length === 1) return list[0]!;
  let length = 0;
  for (const item of list) length += item.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const item of list) {
    out.set(item, offset);
    offset += item.byteLength;
  }
  return out;
}

/** The first index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let at = haystack.indexOf(first, from); at !== -1 && at <= last; at = haystack.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i += 1;
    if (i === needle.length) return at;
  }
  return -1;
}

/**
 * The chunks of a web `ReadableStream` (a `Blob`'s or a `fetch` body's) as an async iterable; the reader's
 * lock is released when iteration ends early.
 */
export async function* readableChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
