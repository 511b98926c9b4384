import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mat4, Volume } from '@medaas/nifti-io';
import { convertDicomSeries, DicomError, readDicomSeg, writeDicomSeg, type DicomErrorCode, type DicomVolume } from '@medaas/dicom';
import { writeDicomSegFile } from '@medaas/dicom/node';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';
import { filesOf, makeSegFixtures, SEG_CHECK, twoSpheres } from './seg-fixtures.js';

type Files = { name: string; bytes: Uint8Array }[];
let dir: string;
let mr: Files;
let ct5: Files;
let mrVolume: DicomVolume;
let ct5Volume: DicomVolume;
let mrMask: Volume;
let mrSeg: Uint8Array;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-seg-refusals-'));
  await makeSegFixtures(join(dir, 'fx'), 'seg-refusals');
  mr = await filesOf(join(dir, 'fx', 'mr'));
  ct5 = await filesOf(join(dir, 'fx', 'ct5'));
  mrVolume = await convertDicomSeries(mr);
  ct5Volume = await convertDicomSeries(ct5);
  mrMask = twoSpheres(mrVolume, { radiusMm: 25 });
  mrSeg = await writeDicomSeg(mrMask, mr);
  await writeFile(join(dir, 'mr-seg.dcm'), mrSeg);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(pending: Promise<unknown>, code: DicomErrorCode): Promise<DicomError> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DicomError);
  expect((error as DicomError).code).toBe(code);
  return error as DicomError;
}

function shifted(affine: Mat4, mm: number): Mat4 {
  return [[...affine[0]].map((v, c) => (c === 3 ? v + mm : v)) as unknown as Mat4[0], affine[1], affine[2], affine[3]];
}

/** A mutated copy of the MR SEG, made by pydicom (see seg_check.py mutate). */
async function mutated(kind: string): Promise<Uint8Array> {
  const out = join(dir, `mr-seg-${kind}.dcm`);
  execFileSync(PYTHON, [SEG_CHECK, 'mutate', join(dir, 'mr-seg.dcm'), out, kind], { encoding: 'utf8' });
  return new Uint8Array(await readFile(out));
}

describe('writeDicomSeg refuses, before writing anything', () => {
  it('a mask whose affine is shifted by 0.5 mm, or by 0.01 mm (beyond the 1e-3 mm tolerance)', async () => {
    for (const mm of [0.5, 0.01]) {
      const error = await refusal(writeDicomSeg({ ...mrMask, affine: shifted(mrMask.affine, mm) }, mr), 'DICOM_SEG_GRID_MISMATCH');
      expect(error.details['maxAffineDifferenceMm']).toBeCloseTo(mm, 6);
    }
  });

  it('accepts an affine within the tolerance (float32 rounding of a NIfTI round trip)', async () => {
    const seg = await writeDicomSeg({ ...mrMask, affine: shifted(mrMask.affine, 1e-4) }, mr);
    expect((await readDicomSeg(seg, mr)).segments).toHaveLength(2);
  });

  it('a mask of other dims (a slice fewer; the CT grid)', async () => {
    const [nx, ny, nz] = mrMask.dims as [number, number, number];
    const fewer = { ...mrMask, dims: [nx, ny, nz - 1], data: (mrMask.data as Uint8Array).slice(0, nx * ny * (nz - 1)) };
    const error = await refusal(writeDicomSeg(fewer, mr), 'DICOM_SEG_GRID_MISMATCH');
    expect(error.details['expectedDims']).toEqual([256, 256, 20]);
    await refusal(writeDicomSeg(twoSpheres(ct5Volume, { radiusMm: 6 }), mr), 'DICOM_SEG_GRID_MISMATCH');
  });

  it('an empty mask', async () => {
    await refusal(writeDicomSeg({ ...mrMask, data: new Uint8Array(mrMask.data.length) }, mr), 'DICOM_SEG_EMPTY');
  });

  it('labels above 255, negative labels, float masks, scaled masks', async () => {
    const n = mrMask.data.length;
    const big = new Uint16Array(n);
    big[1234] = 300;
    const error = await refusal(writeDicomSeg({ ...mrMask, datatype: 'uint16', data: big }, mr), 'DICOM_SEG_INVALID_LABEL');
    expect(error.details).toMatchObject({ voxel: 1234, value: 300 });
    const negative = new Int16Array(n);
    negative[7] = -1;
    await refusal(writeDicomSeg({ ...mrMask, datatype: 'int16', data: negative }, mr), 'DICOM_SEG_INVALID_LABEL');
    await refusal(
      writeDicomSeg({ ...mrMask, datatype: 'float32', data: Float32Array.from(mrMask.data as Uint8Array) }, mr),
      'DICOM_SEG_INVALID_LABEL',
    );
    await refusal(writeDicomSeg({ ...mrMask, scaling: { slope: 2, inter: 0 } }, mr), 'DICOM_SEG_INVALID_LABEL');
  });

  it('segments that disagree with the labels present', async () => {
    const e1 = await refusal(writeDicomSeg(mrMask, mr, { segments: [{ label: 1, name: 'One' }] }), 'DICOM_SEG_INVALID_LABEL');
    expect(e1.details['undescribed']).toEqual([2]);
    const e2 = await refusal(
      writeDicomSeg(mrMask, mr, {
        segments: [
          { label: 1, name: 'One' },
          { label: 2, name: 'Two' },
          { label: 3, name: 'Three' },
        ],
      }),
      'DICOM_SEG_INVALID_LABEL',
    );
    expect(e2.details['absent']).toEqual([3]);
    await refusal(
      writeDicomSeg(mrMask, mr, {
        segments: [
          { label: 1, name: 'a\\b' },
          { label: 2, name: 'Two' },
        ],
      }),
      'DICOM_INVALID_ARGUMENT',
    );
    await refusal(writeDicomSeg(mrMask, mr, { contentLabel: 'lower case' }), 'DICOM_INVALID_ARGUMENT');
  });

  it('writeDicomSegFile leaves no file, partial or final, when refusing', async () => {
    const out = join(dir, 'refused');
    execFileSync('mkdir', ['-p', out]);
    await refusal(writeDicomSegFile(join(out, 'seg.dcm'), { ...mrMask, data: new Uint8Array(mrMask.data.length) }, mr), 'DICOM_SEG_EMPTY');
    await refusal(writeDicomSegFile(join(out, 'missing-folder', 'seg.dcm'), mrMask, mr), 'DICOM_IO');
    expect(await readdir(out)).toEqual([]);
    await writeDicomSegFile(join(out, 'seg.dcm'), mrMask, mr);
    expect(await readdir(out)).toEqual(['seg.dcm']);
    expect(
      (await readDicomSeg({ name: 'seg.dcm', bytes: new Uint8Array(await readFile(join(out, 'seg.dcm'))) }, mr)).segments,
    ).toHaveLength(2);
  });

  it('an aborted call rejects with the signal reason', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(writeDicomSeg(mrMask, mr, { signal: controller.signal })).rejects.toBe(reason);
    await expect(readDicomSeg(mrSeg, mr, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('readDicomSeg', () => {
  const same = (read: Volume): boolean => Buffer.from(read.data as Uint8Array).equals(Buffer.from(mrMask.data as Uint8Array));

  it('places frames by position: reversed frame order, and frames without position (by Source Image) read the same', async () => {
    for (const kind of ['reversed', 'no-position']) expect(same((await readDicomSeg(await mutated(kind), mr)).mask)).toBe(true);
  });

  it('finds its series among a study folder that holds other series and the SEG itself', async () => {
    const folder = [...ct5, { name: 'seg.dcm', bytes: mrSeg }, ...mr];
    const { mask, referencedSeriesUid } = await readDicomSeg(mrSeg, folder);
    expect(same(mask)).toBe(true);
    expect(referencedSeriesUid).not.toBe('');
    // The writer needs to be told which series, and then ignores the SEG and the other series.
    await refusal(writeDicomSeg(mrMask, folder), 'DICOM_MIXED_SERIES');
    const again = await writeDicomSeg(mrMask, folder, { seriesInstanceUid: referencedSeriesUid });
    expect(same((await readDicomSeg(again, mr)).mask)).toBe(true);
  });

  it('reads a FRACTIONAL 8-bit SEG, thresholded at half the maximum', async () => {
    expect(same((await readDicomSeg(await mutated('fractional'), mr)).mask)).toBe(true);
  });

  it('refuses frames off the grid: half a pixel in-plane, half a slice along the normal', async () => {
    await refusal(readDicomSeg(await mutated('half-voxel'), mr), 'DICOM_SEG_OFF_GRID');
    const error = await refusal(readDicomSeg(await mutated('between'), mr), 'DICOM_SEG_OFF_GRID');
    expect(error.details['frame']).toBe(1);
  });

  it('refuses a SEG that references another series, or is read against another series', async () => {
    await refusal(readDicomSeg(await mutated('other-series'), mr), 'DICOM_SEG_WRONG_SERIES');
    await refusal(readDicomSeg(mrSeg, ct5), 'DICOM_SEG_WRONG_SERIES');
  });

  it('refuses overlapping segments unless asked to keep the higher segment', async () => {
    const bytes = await mutated('overlap');
    const error = await refusal(readDicomSeg(bytes, mr), 'DICOM_SEG_OVERLAP');
    expect(error.details['overlappingVoxels']).toBeGreaterThan(0);
    const { overlappingVoxels, mask } = await readDicomSeg(bytes, mr, { overlap: 'last' });
    expect(overlappingVoxels).toBe(error.details['overlappingVoxels']);
    expect((mask.data as Uint8Array).includes(2)).toBe(true);
  });

  it('refuses an image that is not a SEG, and bytes that are not DICOM', async () => {
    await refusal(readDicomSeg(mr[0]!, mr), 'DICOM_SEG_INVALID');
    await refusal(readDicomSeg(new Uint8Array(300), mr), 'DICOM_INVALID_FILE');
    await refusal(readDicomSeg(mrSeg.slice(0, 2000), mr), 'DICOM_INVALID_FILE');
  });

  it('never crashes on a truncated or corrupted SEG: a DicomError every time (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 132, max: mrSeg.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (at, byte, truncate) => {
          const bytes = truncate ? mrSeg.slice(0, at) : Uint8Array.from(mrSeg, (v, i) => (i === at ? byte : v));
          const outcome = await readDicomSeg(bytes, ct5).then(
            () => 'read',
            (e: unknown) => e,
          );
          // Read against the CT series, the MR SEG must never be accepted.
          expect(outcome).toBeInstanceOf(DicomError);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a truncated or corrupted SEG read against its own series: a DicomError or a mask on the grid, never a crash (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 132, max: mrSeg.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (at, byte, truncate) => {
          const bytes = truncate ? mrSeg.slice(0, at) : Uint8Array.from(mrSeg, (v, i) => (i === at ? byte : v));
          const outcome = await readDicomSeg(bytes, mr).then(
            (r) => r,
            (e: unknown) => e,
          );
          if (outcome instanceof DicomError) return;
          expect(outcome).toMatchObject({ mask: { dims: mrVolume.dims, affine: mrVolume.affine } });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('round trip (property)', () => {
  it('any labels 1..255 on the CT grid read back as written, voxel for voxel', async () => {
    const n = ct5Volume.dims.reduce((a, b) => a * b, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (labels, seed) => {
          let state = seed || 1;
          const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
          const data = new Uint8Array(n).map(() => (random() < 0.3 ? labels[Math.floor(random() * labels.length)]! : 0));
          data[Math.floor(random() * n)] = labels[0]!;
          const mask: Volume = { dims: ct5Volume.dims, datatype: 'uint8', data, affine: ct5Volume.affine };
          const { mask: read, segments } = await readDicomSeg(await writeDicomSeg(mask, ct5), ct5);
          expect(Buffer.from(read.data as Uint8Array).equals(Buffer.from(data))).toBe(true);
          const present = [...new Set(data)].filter((v) => v > 0).sort((a, b) => a - b);
          expect(segments.map((s) => s.label)).toEqual(present);
          expect(segments.map((s) => s.segmentNumber)).toEqual(present.map((_, i) => i + 1));
        },
      ),
      { numRuns: 25 },
    );
  });
});
