// A SEG from another writer: dcmjs's own derivations (normalised multi-frame of the source, its frame
// numbering and ordering, all its copied attributes), written here in the test and read with readDicomSeg.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries, readDicomSeg, type DicomVolume } from '@medaas/dicom';
import { invertAffine, voxelToWorld } from '@medaas/nifti-io';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';
import { filesOf, makeSegFixtures, SEG_CHECK, twoSpheres } from './seg-fixtures.js';

type Natural = Record<string, unknown>;
// dcmjs's derivations and normalizers are not part of the SDK's typed surface: typed loosely here.
const lib = dcmjs as unknown as {
  data: {
    DicomMessage: { readFile(b: ArrayBuffer): { meta: unknown; dict: unknown } };
    DicomMetaDictionary: { naturalizeDataset(d: unknown): Natural };
    datasetToBuffer(d: Natural): Uint8Array;
  };
  normalizers: { Normalizer: { normalizeToDataset(d: Natural[]): Natural } };
  derivations: {
    Segmentation: new (
      d: Natural[],
      o?: unknown,
    ) => {
      dataset: Natural;
      setNumberOfFrames(n: number): void;
      addSegment(s: Natural, p: Uint8Array, f: number[]): void;
      bitPackPixelData(): void;
    };
  };
};

let dir: string;
let files: { name: string; bytes: Uint8Array }[];
let volume: DicomVolume;
let mask: ReturnType<typeof twoSpheres>;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-seg-foreign-'));
  await makeSegFixtures(join(dir, 'fx'), 'seg-foreign');
  files = await filesOf(join(dir, 'fx', 'mr'));
  volume = await convertDicomSeries(files);
  mask = twoSpheres(volume, {
    radiusMm: 22,
    centres: [
      [0.3, 0.5, 0.3],
      [0.7, 0.45, 0.7],
    ],
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds a SEG of `mask` with dcmjs: frames of segment 2 first, each segment's slices top to bottom. */
function dcmjsSeg(): Uint8Array {
  const datasets = files.map((f) => {
    const dict = lib.data.DicomMessage.readFile(f.bytes.slice().buffer);
    const natural = lib.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    natural['_meta'] = lib.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
    return natural;
  });
  const multiframe = lib.normalizers.Normalizer.normalizeToDataset(datasets);
  const seg = new lib.derivations.Segmentation([multiframe]);
  const perFrame = multiframe['PerFrameFunctionalGroupsSequence'] as { PlanePositionSequence: { ImagePositionPatient: number[] } }[];
  // Which slice of our grid each of dcmjs's frames is, by position (dcmjs orders frames its own way).
  const toVoxel = invertAffine(volume.affine);
  const sliceOf = perFrame.map((g) => {
    const [x, y, z] = g.PlanePositionSequence.ImagePositionPatient.map(Number) as [number, number, number];
    return Math.round(voxelToWorld(toVoxel, [-x, -y, z])[2]);
  });
  const [nx, ny] = [volume.dims[0]!, volume.dims[1]!];
  const plane = nx * ny;
  const wanted = [2, 1].map((label) => ({
    label,
    frames: sliceOf
      .map((k, n) => ({ k, n }))
      .filter(({ k }) => (mask.data as Uint8Array).subarray(k * plane, (k + 1) * plane).includes(label))
      .sort((a, b) => b.k - a.k),
  }));
  seg.setNumberOfFrames(wanted.reduce((n, w) => n + w.frames.length, 0));
  for (const { label, frames } of wanted) {
    const pixels = new Uint8Array(frames.length * plane);
    frames.forEach(({ k }, f) => {
      for (let i = 0; i < plane; i += 1) pixels[f * plane + i] = (mask.data as Uint8Array)[k * plane + i] === label ? 1 : 0;
    });
    seg.addSegment(
      {
        SegmentLabel: `dcmjs ${label}`,
        SegmentedPropertyCategoryCodeSequence: { CodeValue: '85756007', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Tissue' },
        SegmentedPropertyTypeCodeSequence: { CodeValue: '113343008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Organ' },
        SegmentAlgorithmType: 'SEMIAUTOMATIC',
        SegmentAlgorithmName: 'dcmjs test',
        RecommendedDisplayCIELabValue: [65535, 32896, 32896],
      },
      pixels,
      frames.map(({ n }) => n + 1),
    );
  }
  seg.bitPackPixelData();
  return new Uint8Array(lib.data.datasetToBuffer(seg.dataset));
}

describe('a SEG written by dcmjs derivations', () => {
  let bytes: Uint8Array;
  beforeAll(async () => {
    bytes = dcmjsSeg();
    await writeFile(join(dir, 'dcmjs-seg.dcm'), bytes);
  });

  it('reads back onto the source grid voxel for voxel, placed by position (segment 1 is dcmjs segment 2)', async () => {
    const { mask: read, segments, referencedSeriesUid } = await readDicomSeg({ name: 'dcmjs-seg.dcm', bytes }, files);
    expect(referencedSeriesUid).toBe(await seriesUid());
    expect(segments.map((s) => [s.segmentNumber, s.label, s.name, s.algorithm])).toEqual([
      [1, 1, 'dcmjs 2', { type: 'SEMIAUTOMATIC', name: 'dcmjs test' }],
      [2, 2, 'dcmjs 1', { type: 'SEMIAUTOMATIC', name: 'dcmjs test' }],
    ]);
    expect(segments[0]!.color).toEqual([255, 255, 255]);
    // dcmjs numbers segments in the order added: label 2 became Segment 1.
    const expected = (mask.data as Uint8Array).map((v) => (v === 0 ? 0 : 3 - v));
    expect(read.dims).toEqual(volume.dims);
    expect(read.affine).toEqual(volume.affine);
    expect(Buffer.from(read.data as Uint8Array).equals(Buffer.from(expected))).toBe(true);
  });

  it('passes dciodvfy without error too, with warnings for the MR attributes dcmjs carries over (the README compares)', () => {
    const report = JSON.parse(execFileSync(PYTHON, [SEG_CHECK, 'dciodvfy-parse', join(dir, 'dcmjs-seg.dcm')], { encoding: 'utf8' })) as {
      errors: string[];
      warnings: string[];
      iod: string;
    };
    console.info(
      `dciodvfy on the dcmjs derivations SEG: ${report.errors.length} error(s), ${report.warnings.length} warning(s)\n${[...report.errors, ...report.warnings].join('\n')}`,
    );
    expect(report.iod).toBe('Segmentation');
    expect(report.errors).toEqual([]);
    expect(report.warnings.some((w) => w.includes('MR Image Frame Type Sequence'))).toBe(true);
  });
});

async function seriesUid(): Promise<string> {
  const dict = lib.data.DicomMessage.readFile(files[0]!.bytes.slice().buffer);
  return String(lib.data.DicomMetaDictionary.naturalizeDataset(dict.dict)['SeriesInstanceUID']);
}
