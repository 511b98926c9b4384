import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';

// Run the whole reader and writer on the browser back end (DecompressionStream + fflate) instead of zlib.
vi.mock('#gzip', async () => import('../src/codec/gzip-web.js'));

const { readNifti, writeNifti, writeMask } = await import('@medaas/nifti-io');
const { ctPhantom, sphereMask } = await import('./helpers/phantoms.js');
const { bytesOf, sameBytes } = await import('./helpers/reference.js');
const { farVoxOffset } = await import('./helpers/hostile-files.js');

describe('the browser codec', () => {
  it('reads .nii.gz and writes gzip that zlib accepts', async () => {
    const volume = ctPhantom([32, 24, 12]);
    const written = await writeNifti(volume, { gzip: true, level: 9 });
    expect(sameBytes(new Uint8Array(gunzipSync(written)), await writeNifti(volume))).toBe(true);
    const back = await readNifti(new Uint8Array(gzipSync(await writeNifti(volume))));
    expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
    const mask = await writeMask(sphereMask([20, 20, 20], 6));
    expect((await readNifti(mask)).datatype).toBe('uint8');
  });

  it('reports corrupt and truncated gzip as typed errors', async () => {
    const gz = await writeNifti(ctPhantom([16, 16, 8]), { gzip: true });
    await expect(readNifti(gz.subarray(0, gz.length - 9))).rejects.toMatchObject({
      code: expect.stringMatching(/NIFTI_(TRUNCATED|CORRUPT_GZIP)/),
    });
    const bad = new Uint8Array(gz);
    bad[bad.length - 6] = bad[bad.length - 6]! ^ 0xff;
    await expect(readNifti(bad)).rejects.toMatchObject({ code: 'NIFTI_CORRUPT_GZIP' });
  });

  it('a far vox_offset is refused from the header, and read in linear time when allowed (16 KiB chunks: it took 7 minutes)', async () => {
    const gz = gzipSync(await farVoxOffset(2 ** 27), { level: 9 });
    await expect(readNifti(gz)).rejects.toMatchObject({
      code: 'NIFTI_INVALID_HEADER',
      details: { field: 'vox_offset', option: 'maxExtensionBytes' },
    });
    const start = performance.now();
    const volume = await readNifti(gz, { maxExtensionBytes: 2 ** 27 });
    expect(Array.from(volume.data as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(performance.now() - start).toBeLessThan(15_000);
  });

  it('honours an abort', async () => {
    const gz = await writeNifti(ctPhantom([64, 64, 16]), { gzip: true });
    await expect(readNifti(gz, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });
});
