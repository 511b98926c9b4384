import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_GZIP_RATIO_FLOOR_BYTES,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_EXTENSION_BYTES,
  DEFAULT_MAX_GZIP_RATIO,
  NiftiError,
  readNifti,
  readNiftiHeader,
  writeMask,
  writeNifti,
} from '@medaas/nifti-io';
import { readNiftiFile, readNiftiHeaderFile } from '@medaas/nifti-io/node';
import { farVoxOffset, headerOf, zeroMembers } from './helpers/hostile-files.js';
import { sphereMask } from './helpers/phantoms.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'medaas-limits-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function rejection(pending: Promise<unknown>): Promise<NiftiError> {
  const error = await pending.then(
    () => new Error('expected a rejection, the read succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof NiftiError)) throw error instanceof Error ? error : new Error(String(error));
  return error;
}

describe('vox_offset far past the header', () => {
  it('a 130 KB .nii.gz whose data starts 128 MiB in is refused from its header', async () => {
    const gz = gzipSync(await farVoxOffset(2 ** 27), { level: 9 });
    expect(gz.length).toBeLessThan(200_000);
    const path = join(scratch, 'far.nii.gz');
    await writeFile(path, gz);
    for (const read of [() => readNifti(gz), () => readNiftiFile(path), () => readNiftiHeader(gz), () => readNiftiHeaderFile(path)]) {
      const error = await rejection(read());
      expect(error.code).toBe('NIFTI_INVALID_HEADER');
      expect(error.message).toMatch(/vox_offset is 134217728.*maxExtensionBytes/);
      expect(error.details).toMatchObject({
        field: 'vox_offset',
        value: 2 ** 27,
        option: 'maxExtensionBytes',
        limit: DEFAULT_MAX_EXTENSION_BYTES,
      });
    }
  });

  it('with a raised maxExtensionBytes it reads in time linear in its size (it used to re-join its prefix per chunk)', async () => {
    const plain = await farVoxOffset(2 ** 28);
    const gz = gzipSync(plain, { level: 1 });
    const path = join(scratch, 'far.nii');
    await writeFile(path, plain);
    const options = { maxExtensionBytes: 2 ** 28 };
    for (const read of [() => readNifti(gz, options), () => readNiftiFile(path, options), () => readNifti(new Blob([gz]), options)]) {
      const volume = await read();
      expect(Array.from(volume.data as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(volume.header.voxOffset).toBe(2 ** 28);
      // The time it takes (linear now; the quadratic assembler took minutes) is measured by bench/hostile-compare.mjs.
    }
  });

  it('a .nii whose vox_offset lies past its end is truncated; one inside it but past the limit is refused', async () => {
    const plain = await farVoxOffset(2 ** 20);
    const cut = plain.subarray(0, 2 ** 19);
    expect((await rejection(readNifti(cut))).code).toBe('NIFTI_TRUNCATED');
    const error = await rejection(readNifti(plain, { maxExtensionBytes: 4096 }));
    expect(error.code).toBe('NIFTI_INVALID_HEADER');
    expect(error.details).toMatchObject({ field: 'vox_offset', declared: 2 ** 20 - 348, limit: 4096 });
  });

  it('a header-only file (ni1) cannot make readNiftiHeader collect an unbounded extension area', async () => {
    const header = await headerOf([2, 2, 2]);
    header.set([0x6e, 0x69, 0x31, 0], 344);
    const gz = Buffer.concat([gzipSync(header), gzipSync(new Uint8Array(32 << 20), { level: 9 })]);
    const error = await rejection(readNiftiHeader(gz, { maxExtensionBytes: 1 << 20 }));
    expect(error.code).toBe('NIFTI_INVALID_HEADER');
    expect(error.details).toMatchObject({ option: 'maxExtensionBytes', limit: 1 << 20 });
  });
});

describe('decoded size and gzip expansion limits, checked from the header before inflating', () => {
  it('defaults are sized for a 24 GiB machine', () => {
    expect(DEFAULT_MAX_BYTES).toBe(4 * 2 ** 30);
    expect(DEFAULT_MAX_EXTENSION_BYTES).toBe(64 * 2 ** 20);
    expect(DEFAULT_MAX_GZIP_RATIO).toBe(500);
    expect(DEFAULT_GZIP_RATIO_FLOOR_BYTES).toBe(2 ** 30);
  });

  it('a 6 MB .nii.gz announcing 5 GiB is NIFTI_TOO_LARGE (it was an untyped RangeError from the allocation)', async () => {
    const gz = Buffer.concat([gzipSync(await headerOf([1024, 1024, 5120])), gzipSync(randomBytes(6 << 20), { level: 1 })]);
    const error = await rejection(readNifti(gz));
    expect(error.code).toBe('NIFTI_TOO_LARGE');
    expect(error.details).toMatchObject({ option: 'maxBytes', declared: 5 * 2 ** 30, limit: DEFAULT_MAX_BYTES });
    // A caller's larger limit does not turn the platform's own allocation limit into an untyped error.
    const beyond = await rejection(readNifti(gz, { maxBytes: 8 * 2 ** 30, maxGzipRatio: 2000 }));
    expect(beyond.code).toBe('NIFTI_TOO_LARGE');
    expect(beyond.details).toMatchObject({ declared: 5 * 2 ** 30 });
  });

  it('a 2 MB gzip bomb announcing 2 GiB of zeros is refused before allocating, by the ratio cap', async () => {
    const bomb = await zeroMembers([1024, 1024, 2048], 2 ** 31);
    expect(bomb.length).toBeLessThan(2.5e6);
    const error = await rejection(readNifti(bomb));
    expect(error.code).toBe('NIFTI_TOO_LARGE');
    expect(error.details).toMatchObject({ option: 'maxGzipRatio', limit: DEFAULT_MAX_GZIP_RATIO, compressedBytes: bomb.length });
    expect(error.details['declared']).toBeGreaterThan(900);
    expect(error.message).toMatch(/maxGzipRatio/);
  });

  it('gzip data that keeps inflating after the voxels is stopped once past the ratio and the floor', async () => {
    const mask = gzipSync(await writeNifti(sphereMask([8, 8, 8], 3)));
    const member = gzipSync(new Uint8Array(16 << 20), { level: 9 });
    const trailing = Buffer.concat([mask, ...Array.from({ length: 16 }, () => member)]);
    const error = await rejection(readNifti(trailing, { gzipRatioFloorBytes: 32 << 20, maxGzipRatio: 100 }));
    expect(error.code).toBe('NIFTI_TOO_LARGE');
    expect(error.details).toMatchObject({ option: 'maxGzipRatio', limit: 100 });
    // Stopped soon after the floor, not after the 256 MiB the stream holds.
    expect(error.details['inflatedBytes']).toBeLessThan(40 << 20);
    // Below the floor, trailing bytes are inflated (checking the CRC) and ignored, as before.
    const small = Buffer.concat([mask, member]);
    expect((await readNifti(small)).dims).toEqual([8, 8, 8]);
  });

  it('legitimate masks that compress 1000:1 still read with the defaults', async () => {
    const empty = {
      dims: [512, 512, 300],
      datatype: 'uint8' as const,
      data: new Uint8Array(512 * 512 * 300),
      affine: sphereMask([1, 1, 1], 1).affine,
    };
    for (const level of [3, 9]) {
      const bytes = await writeNifti(empty, { gzip: true, level });
      const volume = await readNifti(bytes);
      expect(volume.dims).toEqual([512, 512, 300]);
      if (level === 9) expect(empty.data.length / bytes.length).toBeGreaterThan(1000);
    }
    const mask = await writeMask(sphereMask([200, 200, 200], 30));
    expect((await readNifti(mask)).dims).toEqual([200, 200, 200]);
  });

  it('limits are validated', async () => {
    const bytes = await writeNifti(sphereMask([4, 4, 4], 2));
    for (const options of [{ maxBytes: -1 }, { maxGzipRatio: 0 }, { maxExtensionBytes: Number.NaN }, { gzipRatioFloorBytes: -5 }]) {
      const error = await rejection(readNifti(bytes, options));
      expect(error.code).toBe('NIFTI_INVALID_ARGUMENT');
    }
  });
});
