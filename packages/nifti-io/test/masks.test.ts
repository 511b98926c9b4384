import { describe, expect, it } from 'vitest';
import { MASK_GZIP_LEVEL, readNifti, toLabelMask, writeMask, writeNifti, type Volume } from '@medaas/nifti-io';
import { sphereMask } from './helpers/phantoms.js';

describe('label masks', () => {
  it('narrow to uint8 when labels fit, uint16 when they do not', () => {
    const small = toLabelMask({ ...sphereMask([4, 4, 4], 2), datatype: 'int32', data: Int32Array.from({ length: 64 }, (_, i) => i % 3) });
    expect(small.datatype).toBe('uint8');
    const large = toLabelMask({
      ...sphereMask([4, 4, 4], 2),
      datatype: 'float32',
      data: Float32Array.from({ length: 64 }, (_, i) => i * 1000),
    });
    expect(large.datatype).toBe('uint16');
    expect((large.data as Uint16Array)[63]).toBe(63000);
  });

  it('apply scaling before checking labels, and drop it', () => {
    const scaled: Volume = {
      ...sphereMask([2, 2, 2], 1),
      datatype: 'int16',
      data: Int16Array.from([0, 2, 4, 6, 0, 2, 4, 6]),
      scaling: { slope: 0.5, inter: 0 },
    };
    const mask = toLabelMask(scaled);
    expect([...mask.data]).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(mask.scaling).toBeUndefined();
  });

  it('refuse values that are not labels, naming the voxel', () => {
    const probabilities: Volume = { ...sphereMask([2, 2, 2], 1), datatype: 'float32', data: Float32Array.from([0, 0.7, 1, 0, 0, 0, 0, 0]) };
    expect(() => toLabelMask(probabilities)).toThrowError(/voxel 1 holds 0\.69/);
    const negative: Volume = { ...sphereMask([2, 2, 2], 1), datatype: 'int8', data: Int8Array.from([0, 0, -1, 0, 0, 0, 0, 0]) };
    expect(() => toLabelMask(negative)).toThrowError(expect.objectContaining({ code: 'NIFTI_INVALID_VOLUME' }));
    const huge: Volume = { ...sphereMask([2, 2, 2], 1), datatype: 'int32', data: Int32Array.from([70000, 0, 0, 0, 0, 0, 0, 0]) };
    expect(() => toLabelMask(huge)).toThrowError(/0 to 65535/);
    expect(() => toLabelMask({ ...sphereMask([1, 1, 1], 1), datatype: 'rgb24', data: new Uint8Array(3) })).toThrowError(/rgb24/);
  });

  it('writeMask output is gzip at the measured level, far smaller than the image writer default, and exact', async () => {
    const mask = sphereMask([96, 96, 64], 30);
    const bytes = await writeMask(mask);
    expect(bytes[0]).toBe(0x1f);
    // The measured level is the one actually used (gzip output differs between levels 1, 3 and 6).
    expect(Buffer.from(bytes).equals(Buffer.from(await writeNifti(toLabelMask(mask), { gzip: true, level: MASK_GZIP_LEVEL })))).toBe(true);
    expect(Buffer.from(bytes).equals(Buffer.from(await writeNifti(toLabelMask(mask), { gzip: true, level: 6 })))).toBe(false);
    const back = await readNifti(bytes);
    expect(back.datatype).toBe('uint8');
    expect(back.intent?.code).toBe(1002);
    expect(Buffer.compare(Buffer.from(back.data as Uint8Array), Buffer.from(mask.data as Uint8Array))).toBe(0);
    const raw = await writeNifti(mask);
    expect(bytes.length * 20).toBeLessThan(raw.length);
  });

  it('refuse an invalid gzip level', async () => {
    await expect(writeMask(sphereMask([2, 2, 2], 1), { level: 12 })).rejects.toMatchObject({ code: 'NIFTI_INVALID_VOLUME' });
  });
});
