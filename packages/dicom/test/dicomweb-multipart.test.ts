import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DicomwebError, multipartBoundary, parseMultipartRelated, type MultipartPart } from '@medaas/dicom';

const encoder = new TextEncoder();

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A multipart/related body as a server writes it, with or without Content-Length per part. */
function body(
  parts: readonly Uint8Array[],
  boundary: string,
  options: { lengths: boolean; preamble?: string; epilogue?: string },
): Uint8Array {
  const chunks: Uint8Array[] = [encoder.encode(options.preamble ?? '')];
  for (const part of parts) {
    const length = options.lengths ? `Content-Length: ${part.length}\r\n` : '';
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n${length}\r\n`), part, encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n${options.epilogue ?? ''}`));
  return concat(chunks);
}

/** The bytes cut at the given offsets, delivered as separate chunks. */
async function* chunked(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= start || cut >= bytes.length) continue;
    yield bytes.slice(start, cut);
    start = cut;
  }
  yield bytes.slice(start);
}

async function collect(source: AsyncIterable<MultipartPart>): Promise<MultipartPart[]> {
  const parts: MultipartPart[] = [];
  for await (const part of source) parts.push(part);
  return parts;
}

const BOUNDARY = 'a36a4ddb-03cf-486a-bf6c-2223338d45ea';
// Parts that look like the delimiter's neighbourhood: CR, LF, dashes and the boundary's own letters.
const partBytes = fc
  .uint8Array({ maxLength: 3000 })
  .chain((random) =>
    fc.constantFrom(random, encoder.encode(`\r\n--${BOUNDARY.slice(0, 10)}\r\n`), encoder.encode('\r\n\r\n--\r\n'), new Uint8Array(0)),
  );

describe('parseMultipartRelated', () => {
  it('yields the same parts wherever the chunks are cut, with and without Content-Length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(partBytes, { maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom('', 'preamble text\r\n', '\r\n'),
        async (parts, lengths, cuts, preamble) => {
          const bytes = body(parts, BOUNDARY, { lengths, preamble, epilogue: 'epilogue' });
          const out = await collect(
            parseMultipartRelated(
              chunked(
                bytes,
                cuts.map((c) => c % (bytes.length + 1)),
              ),
              BOUNDARY,
            ),
          );
          expect(out.map((p) => Array.from(p.body))).toEqual(parts.map((p) => Array.from(p)));
          for (const part of out) expect(part.headers['content-type']).toBe('application/dicom');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports every truncated body as DICOMWEB_STREAM_INTERRUPTED, after the complete parts only', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(partBytes, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (parts, lengths, at, cuts) => {
          const full = body(parts, BOUNDARY, { lengths });
          // Cut before the closing delimiter is complete ("--boundary--" minus at least its last dash).
          const closeAt = full.length - `--${BOUNDARY}--\r\n`.length + `--${BOUNDARY}-`.length;
          const cut = Math.floor(at * closeAt);
          const bytes = full.slice(0, cut);
          const seen: MultipartPart[] = [];
          const error = await (async () => {
            for await (const part of parseMultipartRelated(
              chunked(
                bytes,
                cuts.map((c) => c % (bytes.length + 1)),
              ),
              BOUNDARY,
            ))
              seen.push(part);
          })().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(DicomwebError);
          // Without Content-Length, a cut inside a part's bytes may look like a delimiter only when complete.
          expect(['DICOMWEB_STREAM_INTERRUPTED', 'DICOMWEB_INVALID_RESPONSE']).toContain((error as DicomwebError).code);
          if (lengths) expect((error as DicomwebError).code).toBe('DICOMWEB_STREAM_INTERRUPTED');
          // Whatever was yielded is a complete part, in order.
          seen.forEach((part, i) => expect(Array.from(part.body)).toEqual(Array.from(parts[i] as Uint8Array)));
          expect(seen.length).toBeLessThan(parts.length + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a part over maxPartBytes, from its Content-Length and while scanning', async () => {
    const parts = [new Uint8Array(5000)];
    for (const lengths of [true, false]) {
      const error = await collect(
        parseMultipartRelated(chunked(body(parts, BOUNDARY, { lengths }), [100, 2000]), BOUNDARY, { maxPartBytes: 4096 }),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DICOMWEB_RESPONSE_TOO_LARGE', details: { option: 'maxPartBytes', limit: 4096 } });
    }
  });

  it('refuses a body that is not multipart, and a part whose Content-Length lies', async () => {
    const notMultipart = await collect(parseMultipartRelated(chunked(encoder.encode('{"error": "x"}'), []), BOUNDARY)).catch(
      (e: unknown) => e,
    );
    expect(notMultipart).toMatchObject({ code: 'DICOMWEB_INVALID_RESPONSE' });
    const lying = encoder.encode(`--${BOUNDARY}\r\nContent-Length: 3\r\n\r\nabcdef\r\n--${BOUNDARY}--\r\n`);
    expect(await collect(parseMultipartRelated(chunked(lying, []), BOUNDARY)).catch((e: unknown) => e)).toMatchObject({
      code: 'DICOMWEB_INVALID_RESPONSE',
    });
    const badHeader = encoder.encode(`--${BOUNDARY}\r\nno colon here\r\n\r\nabc\r\n--${BOUNDARY}--\r\n`);
    expect(await collect(parseMultipartRelated(chunked(badHeader, []), BOUNDARY)).catch((e: unknown) => e)).toMatchObject({
      code: 'DICOMWEB_INVALID_RESPONSE',
    });
    const empty = await collect(parseMultipartRelated(chunked(new Uint8Array(0), []), BOUNDARY)).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: 'DICOMWEB_STREAM_INTERRUPTED' });
  });

  it('releases the source when the consumer stops early', async () => {
    let returned = false;
    const bytes = body([new Uint8Array(10), new Uint8Array(10)], BOUNDARY, { lengths: true });
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        const inner = chunked(bytes, [5, 50, 80]);
        return {
          next: () => inner.next(),
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    for await (const part of parseMultipartRelated(source, BOUNDARY)) {
      expect(part.body.length).toBe(10);
      break;
    }
    expect(returned).toBe(true);
  });
});

describe('multipartBoundary', () => {
  it('reads quoted and bare boundaries, and nothing from a header without one', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=abc-1')).toBe('abc-1');
    expect(multipartBoundary('multipart/related;boundary="a b;c"; type=application/dicom')).toBe('a b;c');
    expect(multipartBoundary('multipart/related; type="application/dicom"')).toBeUndefined();
  });
});
