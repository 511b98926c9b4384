// The README's quick start and imaging snippets, run as written (file names pointed at real test data).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { deidentify, geometryFromAffine, readNifti, resample, scaledData, writeNifti } from '@medaas/nifti-io';
import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';
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
  const ct = ctPhantom([32, 32, 12]);

  const iso = await resample(ct, { spacingMm: 1 }, { interpolation: 'linear' });
  const maskIso = { ...iso, datatype: 'uint8' as const, data: new Uint8Array(iso.data.length).fill(1) };
  const maskBack = await resample(maskIso, { like: ct }, { interpolation: 'label' });
  const safe = deidentify(iso);

  expect(geometryFromAffine(iso.affine).spacingMm.map((s) => +s.toFixed(5))).toEqual([1, 1, 1]);
  expect(iso.dims).toEqual([22, 22, 18]);
  expect(maskBack.dims).toEqual(ct.dims);
  expect(safe.description).toBeUndefined();
});
