/**
 * Request bodies of known length: the connection sends every body with an exact `Content-Length` (HTTP/1.0
 * servers and upload progress need it), from pieces that can be sent again when a request is repeated after
 * a refreshed token.
 */

/** A request body whose length is known before the first byte is sent. */
export interface RequestBody {
  readonly contentType: string;
  readonly length: number;
  /** Yields the body; file data is read in slices, never copied whole. Each call starts again from the first byte. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The body as pieces for a `Blob` (a `Blob` piece is not read). */
  parts(): readonly (Uint8Array | Blob)[];
}

const encoder = new TextEncoder();

/** A body of fixed bytes. */
export function bytesBody(bytes: Uint8Array, contentType: string): RequestBody {
  return {
    contentType,
    length: bytes.byteLength,
    async *chunks() {
      yield bytes;
    },
    parts: () => [bytes],
  };
}

/** A JSON body (`application/json`), as MONAI Label's training, scoring and active-learning calls take. */
export function jsonBody(value: unknown): RequestBody {
  return bytesBody(encoder.encode(JSON.stringify(value ?? {})), 'application/json');
}

/** An `application/x-www-form-urlencoded` body, as OAuth2 password grants and MONAI Label's info updates take. */
export function formBody(fields: Readonly<Record<string, string>>): RequestBody {
  return bytesBody(encoder.encode(new URLSearchParams(fields).toString()), 'application/x-www-form-urlencoded');
}
