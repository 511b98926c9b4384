import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries, readDicomSeg, writeDicomSeg, type DicomVolume, type SegmentDescription } from '@medaas/dicom';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';
import { filesOf, makeSegFixtures, SEG_CHECK, twoSpheres, type SeriesUids } from './seg-fixtures.js';

let dir: string;
let uids: { mr: SeriesUids; ct5: SeriesUids; enhanced: SeriesUids };

beforeAll(async () => {
  requireReferenceTools();
  execFileSync('which', ['dciodvfy']);
  dir = await mkdtemp(join(tmpdir(), 'medaas-seg-'));
  uids = await makeSegFixtures(join(dir, 'fx'), 'seg-test');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SEGMENTS: SegmentDescription[] = [
  {
    label: 1,
    name: 'Left sphere',
    category: { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' },
    type: { value: '4147007', scheme: 'SCT', meaning: 'Mass' },
    color: [255, 0, 0],
  },
  { label: 2, name: 'Right sphere', algorithm: { type: 'MANUAL' }, color: [0, 128, 255] },
];

interface Written {
  readonly files: { name: string; bytes: Uint8Array }[];
  readonly volume: DicomVolume;
  readonly mask: ReturnType<typeof twoSpheres>;
  readonly seg: Uint8Array;
  readonly path: string;
}

type Series = 'mr' | 'ct5' | 'enhanced';

async function writeFor(series: Series, radiusMm: number): Promise<Written> {
  const files = await filesOf(join(dir, 'fx', series));
  const volume = await convertDicomSeries(files);
  const mask = twoSpheres(volume, { radiusMm });
  const seg = await writeDicomSeg(mask, files, { segments: SEGMENTS, seriesDescription: 'Two spheres', contentCreatorName: 'Tester^Ada' });
  const path = join(dir, `${series}-seg.dcm`);
  await writeFile(path, seg);
  await writeFile(`${path}.mask.raw`, mask.data as Uint8Array);
  return { files, volume, mask, seg, path };
}

function dciodvfy(path: string): { errors: string[]; warnings: string[]; iod: string } {
  return JSON.parse(execFileSync(PYTHON, [SEG_CHECK, 'dciodvfy-parse', path], { encoding: 'utf8' }));
}

function pydicomCheck(
  written: Written,
  series: Series,
): {
  problems: string[];
  frames: number;
  framesPerSegment: Record<string, number>;
  segments: unknown[];
  seriesDescription: string;
  contentCreatorName: string;
  patientName: string;
  patientId: string;
} {
  const expected = {
    studyUid: uids[series].studyUid,
    seriesUid: uids[series].seriesUid,
    segments: [
      {
        number: 1,
        label: 1,
        name: 'Left sphere',
        category: ['49755003', 'SCT', 'Morphologically Altered Structure'],
        type: ['4147007', 'SCT', 'Mass'],
      },
      { number: 2, label: 2, name: 'Right sphere', category: ['85756007', 'SCT', 'Tissue'], type: ['113343008', 'SCT', 'Organ'] },
    ],
  };
  const expectedPath = `${written.path}.expected.json`;
  execFileSync('tee', [expectedPath], { input: JSON.stringify(expected), stdio: ['pipe', 'ignore', 'inherit'] });
  const [nx, ny, nz] = written.mask.dims.map(String) as [string, string, string];
  return JSON.parse(
    execFileSync(
      PYTHON,
      [SEG_CHECK, 'check', written.path, `${written.path}.mask.raw`, nx, ny, nz, join(dir, 'fx', series), expectedPath],
      { encoding: 'utf8' },
    ),
  );
}

/** Slices of a mask that hold a label: the frames a SEG of it must have. */
function slicesWith(mask: Written['mask'], label: number): number {
  const [nx, ny, nz] = mask.dims as [number, number, number];
  let count = 0;
  for (let k = 0; k < nz; k += 1) if ((mask.data as Uint8Array).subarray(k * nx * ny, (k + 1) * nx * ny).includes(label)) count += 1;
  return count;
}

describe.each([
  ['mr', 25],
  ['ct5', 6],
  ['enhanced', 4],
] as const)('a SEG of two spheres on the %s series', (series, radiusMm) => {
  let written: Written;
  beforeAll(async () => {
    written = await writeFor(series, radiusMm);
  });

  it('passes dciodvfy with no error', () => {
    const report = dciodvfy(written.path);
    // The warnings are listed in the package README; errors fail the test.
    console.info(
      `dciodvfy on the ${series} SEG: ${report.errors.length} error(s), ${report.warnings.length} warning(s)\n${report.warnings.join('\n')}`,
    );
    expect(report.iod).toBe('Segmentation');
    expect(report.errors).toEqual([]);
  });

  it('is checked by a validator that does report errors: the same SEG without a Segment Label fails', () => {
    const broken = `${written.path}.no-label.dcm`;
    execFileSync(PYTHON, [SEG_CHECK, 'mutate', written.path, broken, 'no-label']);
    const report = dciodvfy(broken);
    expect(report.iod).toBe('Segmentation');
    expect(report.errors.some((e) => e.includes('SegmentLabel'))).toBe(true);
  });

  it('reads in pydicom with its segments, codes and frames, each frame at its source slice and equal to the mask', () => {
    const report = pydicomCheck(written, series);
    expect(report.problems).toEqual([]);
    const expectedFrames = { 1: slicesWith(written.mask, 1), 2: slicesWith(written.mask, 2) };
    expect(expectedFrames[1]).toBeGreaterThan(0);
    expect(expectedFrames[2]).toBeGreaterThan(0);
    expect(report.framesPerSegment).toEqual({ '1': expectedFrames[1], '2': expectedFrames[2] });
    expect(report.frames).toBe(expectedFrames[1] + expectedFrames[2]);
    expect(report.seriesDescription).toBe('Two spheres');
    expect(report.contentCreatorName).toBe('Tester^Ada');
  });

  it('keeps the patient of the source (the SEG joins the same patient and study)', () => {
    const report = pydicomCheck(written, series);
    // pydicom compares patient, study and frame of reference attributes with the source (report.problems).
    expect(report.problems).toEqual([]);
    const patient = { mr: ['', '123565'], ct5: ['Doe^Peter', '98890234'], enhanced: ['MULTI^FRAME', 'MF-1'] }[series];
    expect([report.patientName, report.patientId]).toEqual(patient);
  });

  it('reads back with readDicomSeg voxel for voxel, with its segments', async () => {
    const { mask, segments, referencedSeriesUid, overlappingVoxels } = await readDicomSeg(written.seg, written.files);
    expect(referencedSeriesUid).toBe(uids[series].seriesUid);
    expect(overlappingVoxels).toBe(0);
    expect(mask.dims).toEqual(written.volume.dims);
    expect(mask.affine).toEqual(written.volume.affine);
    expect(Buffer.from(mask.data as Uint8Array).equals(Buffer.from(written.mask.data as Uint8Array))).toBe(true);
    expect(segments.map((s) => [s.segmentNumber, s.label, s.name, s.algorithm?.type])).toEqual([
      [1, 1, 'Left sphere', 'AUTOMATIC'],
      [2, 2, 'Right sphere', 'MANUAL'],
    ]);
    expect(segments[0]!.category).toEqual(SEGMENTS[0]!.category);
    expect(segments[1]!.type).toEqual({ value: '113343008', scheme: 'SCT', meaning: 'Organ' });
    // CIELab and back: within one step of 255 per channel.
    for (const [i, s] of segments.entries())
      s.color!.forEach((c, n) => expect(Math.abs(c - SEGMENTS[i]!.color![n]!)).toBeLessThanOrEqual(1));
    const counts = [1, 2].map((label) => (written.mask.data as Uint8Array).reduce((n, v) => n + (v === label ? 1 : 0), 0));
    expect(segments.map((s) => s.voxels)).toEqual(counts);
  });
});

describe('labels that are not 1, 2, 3...', () => {
  it('become Segment Numbers 1, 2 with each label kept in a private element: dciodvfy errors none, warns of the private tag only', async () => {
    const files = await filesOf(join(dir, 'fx', 'mr'));
    const volume = await convertDicomSeries(files);
    const spheres = twoSpheres(volume, { radiusMm: 20 });
    const data = (spheres.data as Uint8Array).map((v) => [0, 3, 200][v]!);
    const seg = await writeDicomSeg({ ...spheres, data }, files);
    const path = join(dir, 'labels-3-200.dcm');
    await writeFile(path, seg);
    const report = dciodvfy(path);
    expect(report.iod).toBe('Segmentation');
    expect(report.errors).toEqual([]);
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings.every((w) => w.startsWith('(0x0071,0x1001)') && w.includes('Unrecognized tag'))).toBe(true);
    const { mask, segments } = await readDicomSeg(seg, files);
    expect(segments.map((s) => [s.segmentNumber, s.label, s.name])).toEqual([
      [1, 3, 'Segment 3'],
      [2, 200, 'Segment 200'],
    ]);
    expect(Buffer.from(mask.data as Uint8Array).equals(Buffer.from(data))).toBe(true);
  });
});

describe('browser-style inputs and progress', () => {
  it('takes File objects for the SEG and the source, and reports source and frame progress', async () => {
    const files = await filesOf(join(dir, 'fx', 'ct5'));
    const volume = await convertDicomSeries(files);
    const mask = twoSpheres(volume, { radiusMm: 6 });
    const events: { phase: string; loaded: number; total: number | undefined }[] = [];
    const asFiles = files.map((f) => new File([f.bytes], f.name));
    const seg = await writeDicomSeg(mask, asFiles, {
      onProgress: (p) => events.push({ phase: p.phase, loaded: p.loaded, total: p.total }),
    });
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['dicom-parse', 'dicom-pixels', 'seg-frames']);
    const last = events.filter((e) => e.phase === 'seg-frames').at(-1)!;
    expect(last.loaded).toBe(last.total);
    const { mask: read } = await readDicomSeg(new File([seg], 'seg.dcm'), asFiles);
    expect(Buffer.from(read.data as Uint8Array).equals(Buffer.from(mask.data as Uint8Array))).toBe(true);
  });
});

describe('text beyond ASCII', () => {
  it('is declared as UTF-8 (ISO_IR 192) and reads the same in pydicom and readDicomSeg', async () => {
    const files = await filesOf(join(dir, 'fx', 'ct5'));
    const volume = await convertDicomSeries(files);
    const mask = twoSpheres(volume, { radiusMm: 6 });
    const seg = await writeDicomSeg(mask, files, {
      segments: [
        { label: 1, name: 'Läsion' },
        { label: 2, name: '肝臓' },
      ],
      contentCreatorName: 'Müller^Jürgen',
    });
    const path = join(dir, 'utf8.dcm');
    await writeFile(path, seg);
    const read = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          'import json, sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(json.dumps([d.SpecificCharacterSet, str(d.ContentCreatorName)] + [s.SegmentLabel for s in d.SegmentSequence]))',
          path,
        ],
        { encoding: 'utf8' },
      ),
    ) as string[];
    expect(read).toEqual(['ISO_IR 192', 'Müller^Jürgen', 'Läsion', '肝臓']);
    expect((await readDicomSeg(seg, files)).segments.map((s) => s.name)).toEqual(['Läsion', '肝臓']);
    expect(dciodvfy(path).errors).toEqual([]);
  });
});
