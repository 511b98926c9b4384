import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NiftiError, readNifti, writeNifti } from '@medaas/nifti-io';
import { readNiftiFile, readNiftiHeaderFile, writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { ctPhantom, sphereMask } from './helpers/phantoms.js';
import { bytesOf, sameBytes } from './helpers/reference.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeNiftiFile / readNiftiFile', () => {
  it('gzips by extension, reads back exactly, and matches the in-memory writer byte for byte', async () => {
    const volume = ctPhantom([40, 30, 20]);
    await writeNiftiFile(join(dir, 'ct.nii.gz'), volume);
    await writeNiftiFile(join(dir, 'ct.nii'), volume);
    const gz = new Uint8Array(await readFile(join(dir, 'ct.nii.gz')));
    const plain = new Uint8Array(await readFile(join(dir, 'ct.nii')));
    expect(gz[0]).toBe(0x1f);
    expect(sameBytes(plain, await writeNifti(volume))).toBe(true);
    for (const name of ['ct.nii.gz', 'ct.nii']) {
      const back = await readNiftiFile(join(dir, name));
      expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
      expect(back.scaling).toEqual(volume.scaling);
    }
  });

  it('detects gzip by content even under a misleading name', async () => {
    const volume = ctPhantom([8, 8, 8]);
    await writeNiftiFile(join(dir, 'misnamed.nii'), volume, { gzip: true });
    const back = await readNiftiFile(join(dir, 'misnamed.nii'));
    expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
  });

  it('reads just the header of a large file', async () => {
    await writeNiftiFile(join(dir, 'header.nii.gz'), ctPhantom([64, 64, 64]));
    const header = await readNiftiHeaderFile(join(dir, 'header.nii.gz'));
    expect(header.dim.slice(0, 4)).toEqual([3, 64, 64, 64]);
    expect(header.datatype).toBe(4);
  });

  it('never leaves a partial file under the final name: failed, aborted or invalid writes leave nothing', async () => {
    const target = join(dir, 'atomic', 'out.nii.gz');
    await mkdir(join(dir, 'atomic'));
    const invalid = { ...ctPhantom([4, 4, 4]), dims: [5, 4, 4] };
    await expect(writeNiftiFile(target, invalid)).rejects.toMatchObject({ code: 'NIFTI_INVALID_VOLUME' });
    const controller = new AbortController();
    const big = ctPhantom([256, 256, 64]);
    const aborted = writeNiftiFile(target, big, {
      signal: controller.signal,
      onProgress: (p) => p.loaded > 0 && controller.abort('user cancelled'),
    });
    await expect(aborted).rejects.toBe('user cancelled');
    expect(await readdir(join(dir, 'atomic'))).toEqual([]);
    // An existing good file survives a failed overwrite untouched.
    await writeNiftiFile(target, ctPhantom([4, 4, 4]));
    const before = await readFile(target);
    await expect(writeNiftiFile(target, invalid)).rejects.toBeInstanceOf(NiftiError);
    expect(sameBytes(new Uint8Array(await readFile(target)), new Uint8Array(before))).toBe(true);
    expect(await readdir(join(dir, 'atomic'))).toEqual(['out.nii.gz']);
  });

  it('reports unreadable and unwritable paths as NIFTI_IO', async () => {
    await expect(readNiftiFile(join(dir, 'missing.nii'))).rejects.toMatchObject({ code: 'NIFTI_IO' });
    await expect(writeNiftiFile(join(dir, 'no-such-dir', 'x.nii'), ctPhantom([2, 2, 2]))).rejects.toMatchObject({ code: 'NIFTI_IO' });
    await writeFile(join(dir, 'not-nifti.nii'), 'hello');
    await expect(readNiftiFile(join(dir, 'not-nifti.nii'))).rejects.toMatchObject({ code: 'NIFTI_NOT_NIFTI' });
  });

  it('refuses a truncated file without allocating the announced size', async () => {
    const bytes = await writeNifti(ctPhantom([64, 64, 64]));
    await writeFile(join(dir, 'cut.nii'), bytes.subarray(0, 5000));
    await expect(readNiftiFile(join(dir, 'cut.nii'))).rejects.toMatchObject({ code: 'NIFTI_TRUNCATED' });
    const gz = await writeNifti(ctPhantom([64, 64, 64]), { gzip: true });
    await writeFile(join(dir, 'cut.nii.gz'), gz.subarray(0, gz.length / 2));
    await expect(readNiftiFile(join(dir, 'cut.nii.gz'))).rejects.toMatchObject({ code: 'NIFTI_TRUNCATED' });
  });

  it('writeMaskFile writes the smallest label type, gzip, label intent', async () => {
    const mask = {
      ...sphereMask([30, 30, 30], 10),
      datatype: 'float32' as const,
      data: Float32Array.from(sphereMask([30, 30, 30], 10).data as Uint8Array),
    };
    await writeMaskFile(join(dir, 'mask.nii.gz'), mask);
    const back = await readNiftiFile(join(dir, 'mask.nii.gz'));
    expect(back.datatype).toBe('uint8');
    expect(back.intent?.code).toBe(1002);
    expect([...new Set(back.data as Uint8Array)].sort()).toEqual([0, 1, 2]);
  });
});

describe('readNifti and the file reader agree', () => {
  it('on the same bytes', async () => {
    const volume = sphereMask([20, 22, 24], 8);
    await writeNiftiFile(join(dir, 's.nii.gz'), volume);
    const a = await readNiftiFile(join(dir, 's.nii.gz'));
    const b = await readNifti(new Uint8Array(await readFile(join(dir, 's.nii.gz'))));
    expect(sameBytes(bytesOf(a.data), bytesOf(b.data))).toBe(true);
    expect(a.affine).toEqual(b.affine);
  });
});
