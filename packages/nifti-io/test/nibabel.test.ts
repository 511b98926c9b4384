import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti, writeNifti, type NiftiDatatype, type NiftiVolume } from '@medaas/nifti-io';
import {
  bytesOf,
  describeWithNibabel,
  maxAffineDifference,
  requireReferenceTools,
  sameBytes,
  writeNibabelFixtures,
  type NibabelFixture,
} from './helpers/reference.js';

let dir: string;
let fixtures: NibabelFixture[];

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-nibabel-'));
  fixtures = writeNibabelFixtures(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NIBABEL_DTYPE: Record<NiftiDatatype, string> = {
  uint8: 'uint8',
  int8: 'int8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  float32: 'float32',
  float64: 'float64',
  complex64: 'complex64',
  complex128: 'complex128',
  rgb24: 'rgb24',
  rgba32: 'rgba32',
};

describe('files written by nibabel read identically here', () => {
  it('covers every datatype, both byte orders, NIfTI-1 and -2, gzip or not', () => {
    const dtypes = new Set(fixtures.map((f) => f.dtype));
    for (const t of [
      'uint8',
      'int8',
      'int16',
      'uint16',
      'int32',
      'uint32',
      'int64',
      'float32',
      'float64',
      'complex64',
      'complex128',
      'rgb24',
    ]) {
      expect(dtypes).toContain(t);
    }
    expect(fixtures.some((f) => f.endian === '>' && f.version === 1)).toBe(true);
    expect(fixtures.some((f) => f.endian === '>' && f.version === 2)).toBe(true);
    expect(fixtures.some((f) => f.gz) && fixtures.some((f) => !f.gz)).toBe(true);
  });

  it('gives the same voxels, dims, datatype and affine (within 1e-5) for every fixture', async () => {
    expect(fixtures.length).toBeGreaterThan(20);
    for (const fixture of fixtures) {
      const path = join(dir, fixture.file);
      const ours = await readNifti(new Uint8Array(await readFile(path)));
      const theirs = await describeWithNibabel(path, dir);
      const label = fixture.file;
      expect(ours.dims, label).toEqual(theirs.shape);
      expect(NIBABEL_DTYPE[ours.datatype], label).toBe(theirs.dtype);
      expect(sameBytes(bytesOf(ours.data), theirs.raw), `${label}: voxels`).toBe(true);
      expect(maxAffineDifference(ours.affine, theirs.affine), `${label}: affine`).toBeLessThan(1e-5);
      expect(ours.header.version, label).toBe(fixture.version);
      expect(ours.header.littleEndian, label).toBe(fixture.endian === '<');
      if (fixture.scale) expect(ours.scaling, label).toEqual({ slope: fixture.scale[0], inter: fixture.scale[1] });
      if (fixture.tr) expect(ours.pixdim?.[3], label).toBeCloseTo(fixture.tr, 6);
    }
  });

  it('uses the qform when the sform is unset, as the standard says', async () => {
    const fixture = fixtures.find((f) => f.qform_only)!;
    const path = join(dir, fixture.file);
    const ours = await readNifti(new Uint8Array(await readFile(path)));
    const theirs = await describeWithNibabel(path, dir);
    expect(ours.header.sformCode).toBe(0);
    expect(ours.header.qformCode).toBe(1);
    expect(maxAffineDifference(ours.affine, theirs.affine)).toBeLessThan(1e-5);
  });
});

describe('files written here load in nibabel identically', () => {
  it('round-trips every fixture through our writer into nibabel, gzip and not', async () => {
    for (const fixture of fixtures) {
      const source = await readNifti(new Uint8Array(await readFile(join(dir, fixture.file))));
      for (const gzip of [false, true]) {
        const out = join(dir, `ours-${fixture.file.replace(/\.nii(\.gz)?$/, '')}.nii${gzip ? '.gz' : ''}`);
        await writeFile(out, await writeNifti(source, { gzip }));
        const theirs = await describeWithNibabel(out, dir);
        const label = `${fixture.file} -> ${out}`;
        expect(theirs.shape, label).toEqual(source.dims);
        expect(theirs.dtype, label).toBe(NIBABEL_DTYPE[source.datatype]);
        expect(sameBytes(theirs.raw, bytesOf(source.data)), `${label}: voxels`).toBe(true);
        expect(maxAffineDifference(theirs.affine, source.affine), `${label}: affine`).toBeLessThan(1e-5);
        expect(theirs.sform_code, label).toBeGreaterThan(0);
        if (source.scaling) {
          expect(theirs.slope, label).toBeCloseTo(source.scaling.slope, 6);
          expect(theirs.inter, label).toBeCloseTo(source.scaling.inter, 6);
        }
      }
    }
  });

  it('writes a qform that agrees with the sform, so readers that prefer the qform see the same grid', async () => {
    const fixture = fixtures.find((f) => f.dtype === 'float64' && f.version === 1)!;
    const source: NiftiVolume = await readNifti(new Uint8Array(await readFile(join(dir, fixture.file))));
    const bytes = await writeNifti({ ...source, extensions: [] });
    // Drop the sform: nibabel must now fall back to our qform and find the same affine.
    const copy = new Uint8Array(bytes);
    new DataView(copy.buffer).setInt16(254, 0, true);
    const path = join(dir, 'qform-check.nii');
    await writeFile(path, copy);
    const theirs = await describeWithNibabel(path, dir);
    expect(theirs.sform_code).toBe(0);
    expect(theirs.qform_code).toBe(source.xformCode);
    expect(maxAffineDifference(theirs.affine, source.affine)).toBeLessThan(1e-4);
  });
});
