import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { boundaryOf, parseDisposition, parseMultipart, type MultipartPart } from '@medaas/aiaa-client';

interface Spec {
  name: string;
  fileName: string | undefined;
  data: Uint8Array;
}

const enc = new TextEncoder();

function build(boundary: string, parts: Spec[], eol: string, preamble = ''): Uint8Array {
  const chunks: Uint8Array[] = [enc.encode(preamble)];
  for (const p of parts) {
    const fn = p.fileName === undefined ? '' : `; filename="${p.fileName}"`;
    chunks.push(
      enc.encode(`--${boundary}${eol}Content-Disposition: form-data; name="${p.name}"${fn}${eol}${eol}`),
      p.data,
      enc.encode(eol),
    );
  }
  chunks.push(enc.encode(`--${boundary}--${eol}`));
  return Buffer.concat(chunks);
}

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function parseAll(bytes: Uint8Array, boundary: string, cuts: number[] = []): Promise<MultipartPart[]> {
  const out: MultipartPart[] = [];
  for await (const part of parseMultipart(chunked(bytes, cuts), boundary)) out.push(part);
  return out;
}

const boundaryArb = fc.oneof(fc.constant('----------lImIt_of_THE_fIle_eW_$'), fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,40}$/));
// Data that is hostile to a parser: CR, LF, dashes and boundary fragments, but never a full delimiter.
const dataArb = (boundary: string) =>
  fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('\r', '\n', '\r\n', '--', `-${boundary}`, `\r\n-${boundary}`, boundary).map((s) => enc.encode(s)),
      ),
      { maxLength: 12 },
    )
    .map((chunks) => new Uint8Array(Buffer.concat(chunks)))
    .filter((d) => !Buffer.from(d).includes(`\n--${boundary}`) && !Buffer.from(d).includes(`--${boundary}`));
const partsArb = (boundary: string) =>
  fc.array(
    fc.record({
      name: fc.stringMatching(/^[a-z_]{1,10}$/),
      fileName: fc.option(fc.stringMatching(/^[A-Za-z0-9_./ -]{0,20}$/), { nil: undefined }),
      data: dataArb(boundary),
    }),
    { minLength: 1, maxLength: 5 },
  );

describe('parseMultipart', () => {
  it('returns exactly the parts that were written, however the stream is cut, with CRLF or LF', async () => {
    await fc.assert(
      fc.asyncProperty(
        boundaryArb.chain((b) =>
          fc.tuple(
            fc.constant(b),
            partsArb(b),
            fc.constantFrom('\r\n', '\n'),
            fc.array(fc.nat(), { maxLength: 8 }),
            fc.constantFrom('', 'preamble text\r\n'),
          ),
        ),
        async ([boundary, parts, eol, cuts, preamble]) => {
          // With bare-LF line ends, a part ending in CR is ambiguous (CR LF is read as the line end), as in every lenient parser.
          fc.pre(eol === '\r\n' || parts.every((p) => p.data.at(-1) !== 13));
          const bytes = build(boundary, parts, eol, preamble);
          const parsed = await parseAll(bytes, boundary, cuts);
          expect(parsed.map((p) => ({ name: p.name, fileName: p.fileName, data: Buffer.from(p.data).toString('latin1') }))).toEqual(
            parts.map((p) => ({ name: p.name, fileName: p.fileName, data: Buffer.from(p.data).toString('latin1') })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation before the closing delimiter with AIAA_INVALID_RESPONSE', async () => {
    await fc.assert(
      fc.asyncProperty(
        boundaryArb.chain((b) => fc.tuple(fc.constant(b), partsArb(b), fc.double({ min: 0, max: 1, noNaN: true }))),
        async ([boundary, parts, fraction]) => {
          const bytes = build(boundary, parts, '\r\n');
          const closeAt = bytes.length - `--${boundary}--\r\n`.length;
          const cut = Math.floor(fraction * (closeAt + 1 + boundary.length));
          const result = await parseAll(bytes.subarray(0, Math.min(cut, closeAt + 1 + boundary.length)), boundary).then(
            () => 'ok',
            (e: unknown) => e,
          );
          expect(isMedaasError(result, 'AIAA_INVALID_RESPONSE')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but an AiaaError on random bytes or mutated bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(partsArb('B'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
            .map(([parts, flips]) => {
              const bytes = build('B', parts, '\r\n');
              for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
              return bytes;
            }),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (bytes, cuts) => {
          const result = await parseAll(bytes, 'B', cuts).then(
            (parts) => parts,
            (e: unknown) => e,
          );
          if (!Array.isArray(result)) expect(isMedaasError(result, 'AIAA_INVALID_RESPONSE')).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds a part header bomb and a part-count bomb to their limits', async () => {
    const header = enc.encode(`--b\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\nx\r\n--b--\r\n`);
    await expect(parseAll(header, 'b')).rejects.toMatchObject({ code: 'AIAA_INVALID_RESPONSE' });
    const many = enc.encode(`${'--b\r\n\r\nx\r\n'.repeat(100)}--b--\r\n`);
    await expect(parseAll(many, 'b')).rejects.toMatchObject({ code: 'AIAA_INVALID_RESPONSE' });
  });
});

describe('boundaryOf and parseDisposition', () => {
  it('accepts the official unquoted `$` boundary, quoted boundaries with escapes, and refuses none', () => {
    expect(boundaryOf('multipart/form-data; boundary=----------lImIt_of_THE_fIle_eW_$')).toBe('----------lImIt_of_THE_fIle_eW_$');
    expect(boundaryOf('multipart/form-data; charset=utf-8; BOUNDARY="a \\"b\\" c"; x=y')).toBe('a "b" c');
    expect(boundaryOf('multipart/mixed;boundary=abc;foo=bar')).toBe('abc');
    expect(() => boundaryOf('multipart/form-data')).toThrow(expect.objectContaining({ code: 'AIAA_INVALID_RESPONSE' }));
    expect(() => boundaryOf('multipart/form-data; boundary=')).toThrow(expect.objectContaining({ code: 'AIAA_INVALID_RESPONSE' }));
  });

  it('reads quoted, unquoted and RFC 5987 file names', () => {
    expect(parseDisposition('form-data; name="image"; filename="/tmp/a b.nii.gz"')).toEqual({ name: 'image', filename: '/tmp/a b.nii.gz' });
    expect(parseDisposition('form-data; name=params')).toEqual({ name: 'params', filename: undefined });
    expect(parseDisposition("form-data; name=f; filename*=UTF-8''ma%C3%9Fe.nii")).toEqual({ name: 'f', filename: 'maße.nii' });
    expect(parseDisposition('form-data; name="f"; filename=""')).toEqual({ name: 'f', filename: '' });
  });
});
