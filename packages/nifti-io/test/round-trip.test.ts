import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  datatypeByName,
  geometryFromAffine,
  readNifti,
  readNiftiHeader,
  scaledData,
  writeNifti,
  type NiftiDatatype,
  type Volume,
  type VoxelData,
} from '@medaas/nifti-io';
import { OBLIQUE, ctPhantom } from './helpers/phantoms.js';
import { bytesOf, sameBytes } from './helpers/reference.js';

const ALL: NiftiDatatype[] = [
  'uint8',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'complex64',
  'complex128',
  'rgb24',
  'rgba32',
];

function volumeOf(datatype: NiftiDatatype, dims: number[], fill: (i: number) => number): Volume {
  const info = datatypeByName(datatype);
  const n = dims.reduce((a, b) => a * b, 1) * info.components;
  const data = info.view(new ArrayBuffer(n * info.componentBytes), 0, n) as VoxelData;
  for (let i = 0; i < n; i += 1) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) (data as BigInt64Array)[i] = BigInt(fill(i));
    else (data as Float64Array)[i] = fill(i);
  }
  return { dims, datatype, data, affine: OBLIQUE };
}

describe('writeNifti -> readNifti is exact', () => {
  for (const datatype of ALL) {
    for (const gzip of [false, true]) {
      it(`${datatype}, ${gzip ? '.nii.gz' : '.nii'}`, async () => {
        const volume = volumeOf(datatype, [5, 4, 3], (i) => (i * 37) % 120);
        const back = await readNifti(await writeNifti(volume, { gzip }));
        expect(back.datatype).toBe(datatype);
        expect(back.dims).toEqual([5, 4, 3]);
        expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
        back.affine.forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(volume.affine[r]![c]!, 5)));
      });
    }
  }

  it('keeps 64-bit integers exact beyond 2^53', async () => {
    const data = new BigInt64Array([2n ** 62n + 1n, -(2n ** 63n), 0n, 9007199254740993n]);
    const back = await readNifti(await writeNifti({ dims: [4], datatype: 'int64', data, affine: OBLIQUE }));
    expect([...(back.data as BigInt64Array)]).toEqual([...data]);
  });

  it('keeps scaling, 4-D time step, calibration, intent, description and extensions', async () => {
    const volume: Volume = {
      ...volumeOf('int16', [3, 3, 2, 4], (i) => i - 20),
      scaling: { slope: 0.25, inter: -1024 },
      pixdim: [0, 0, 0, 2.5],
      timeUnits: 8,
      calibration: { min: -100, max: 400 },
      intent: { code: 1002, params: [0, 0, 0], name: 'labels' },
      description: 'phantom',
      extensions: [{ code: 6, data: new TextEncoder().encode('a comment, padded'.padEnd(24, '\0')) }],
    };
    const bytes = await writeNifti(volume, { gzip: true });
    const back = await readNifti(bytes);
    expect(back.scaling).toEqual({ slope: 0.25, inter: -1024 });
    expect(back.pixdim?.[3]).toBe(2.5);
    expect(back.timeUnits).toBe(8);
    expect(back.calibration).toEqual({ min: -100, max: 400 });
    expect(back.intent).toEqual({ code: 1002, params: [0, 0, 0], name: 'labels' });
    expect(back.description).toBe('phantom');
    expect(back.extensions).toHaveLength(1);
    expect(back.extensions?.[0]?.code).toBe(6);
    expect(new TextDecoder().decode(back.extensions?.[0]?.data).replace(/\0+$/, '')).toBe('a comment, padded');
    expect(back.header.voxOffset % 16).toBe(0);
    expect([...scaledData(back).subarray(0, 3)]).toEqual([-20 * 0.25 - 1024, -19 * 0.25 - 1024, -18 * 0.25 - 1024]);
  });

  it('writes NIfTI-2 when a dimension exceeds NIfTI-1 limits, and reads it back', async () => {
    const volume = volumeOf('uint8', [40000, 1, 1], (i) => i % 251);
    const bytes = await writeNifti(volume);
    expect(new DataView(bytes.buffer).getInt32(0, true)).toBe(540);
    const back = await readNifti(bytes);
    expect(back.header.version).toBe(2);
    expect(back.dims).toEqual([40000, 1, 1]);
    expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
    await expect(writeNifti(volume, { version: 1 })).rejects.toMatchObject({ code: 'NIFTI_INVALID_VOLUME' });
  });

  it('is byte-for-byte stable: read then write reproduces the same file', async () => {
    const first = await writeNifti(ctPhantom([16, 12, 6]));
    const second = await writeNifti(await readNifti(first));
    expect(sameBytes(first, second)).toBe(true);
  });

  it('keeps geometry: spacing, origin and direction survive, in both qform and sform', async () => {
    const back = await readNifti(await writeNifti(volumeOf('float32', [4, 4, 4], (i) => i)));
    const g = geometryFromAffine(back.affine);
    expect(g.spacingMm.map((x) => +x.toFixed(5))).toEqual([0.8, 1.2, 2.5]);
    expect(g.originMm.map((x) => +x.toFixed(4))).toEqual([-91.5, 12.25, -40]);
    expect(back.header.qformCode).toBe(1);
    expect(back.header.sformCode).toBe(1);
  });

  it('writes a sheared affine as sform only, never a wrong qform', async () => {
    const sheared: Volume = {
      ...volumeOf('uint8', [2, 2, 2], () => 1),
      affine: [
        [1, 0.5, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    };
    const header = await readNiftiHeader(await writeNifti(sheared));
    expect(header.qformCode).toBe(0);
    expect(header.sformCode).toBe(1);
    expect(header.srowX).toEqual([1, 0.5, 0, 0]);
  });

  it('round-trips random volumes and affines (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<NiftiDatatype>('uint8', 'int16', 'float32', 'float64', 'uint16', 'int32'),
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })),
        fc.tuple(
          fc.double({ min: -3, max: 3, noNaN: true }),
          fc.double({ min: -3, max: 3, noNaN: true }),
          fc.double({ min: -3, max: 3, noNaN: true }),
        ),
        fc.tuple(
          fc.double({ min: 0.1, max: 5, noNaN: true }),
          fc.double({ min: 0.1, max: 5, noNaN: true }),
          fc.double({ min: 0.1, max: 5, noNaN: true }),
        ),
        fc.boolean(),
        fc.boolean(),
        async (datatype, dims, angles, spacing, flip, gzip) => {
          const [a, b, c] = angles;
          // Rotation from three Euler angles, optionally mirrored (left-handed grid).
          const ca = Math.cos(a),
            sa = Math.sin(a),
            cb = Math.cos(b),
            sb = Math.sin(b),
            cc = Math.cos(c),
            sc = Math.sin(c);
          const r = [
            [ca * cb, ca * sb * sc - sa * cc, ca * sb * cc + sa * sc],
            [sa * cb, sa * sb * sc + ca * cc, sa * sb * cc - ca * sc],
            [-sb, cb * sc, cb * cc],
          ];
          const s = [spacing[0], spacing[1], flip ? -spacing[2] : spacing[2]];
          const affine = [0, 1, 2].map((i) => [r[i]![0]! * s[0]!, r[i]![1]! * s[1]!, r[i]![2]! * s[2]!, 10 * i - 7]);
          const volume: Volume = {
            ...volumeOf(datatype, dims, (i) => (i * 7) % 100),
            affine: [...affine, [0, 0, 0, 1]] as unknown as Volume['affine'],
          };
          const bytes = await writeNifti(volume, { gzip });
          const back = await readNifti(bytes);
          expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
          for (let i = 0; i < 3; i += 1)
            for (let j = 0; j < 4; j += 1) expect(Math.abs(back.affine[i]![j]! - volume.affine[i]![j]!)).toBeLessThan(1e-4);
          // The qform we wrote must describe the same grid as the sform.
          const qformOnly = await writeNifti(volume);
          new DataView(qformOnly.buffer).setInt16(254, 0, true);
          const viaQform = await readNifti(qformOnly);
          for (let i = 0; i < 3; i += 1)
            for (let j = 0; j < 4; j += 1) expect(Math.abs(viaQform.affine[i]![j]! - volume.affine[i]![j]!)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('readNifti accepts what a viewer hands it', () => {
  it('reads a Blob (a File from an <input>), compressed or not', async () => {
    const volume = ctPhantom([8, 8, 4]);
    for (const gzip of [false, true]) {
      const blob = new Blob([await writeNifti(volume, { gzip })]);
      const back = await readNifti(blob);
      expect(sameBytes(bytesOf(back.data), bytesOf(volume.data))).toBe(true);
    }
  });

  it('detects gzip by content, not by name, and reports decode progress', async () => {
    const bytes = await writeNifti(ctPhantom([32, 32, 16]), { gzip: true });
    const phases: { loaded: number; total?: number | undefined }[] = [];
    await readNifti(bytes, { onProgress: (p) => phases.push(p) });
    expect(phases.length).toBeGreaterThan(0);
    expect(phases.at(-1)?.loaded).toBe(32 * 32 * 16 * 2);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const bytes = await writeNifti(ctPhantom([64, 64, 32]), { gzip: true });
    await expect(readNifti(bytes, { signal: AbortSignal.abort('closed the viewer') })).rejects.toBe('closed the viewer');
    const controller = new AbortController();
    const pending = readNifti(bytes, { signal: controller.signal, onProgress: () => controller.abort('stop') });
    await expect(pending).rejects.toBe('stop');
  });
});
