import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geometryFromAffine, NiftiError, readNifti, resample, writeNifti, type Volume } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';
import { OBLIQUE, sphereMask } from './helpers/phantoms.js';
import { MRICRON, PYTHON, requireReferenceTools } from './helpers/reference.js';

const TOOL = fileURLToPath(new URL('./reference/resample_ref.py', import.meta.url));
let dir: string;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-resample-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** scipy's answer on the grid of `ours`, and the voxels safely inside the input. */
async function scipy(input: Volume, ours: Volume, order: 0 | 1): Promise<{ values: Float64Array; inside: Uint8Array }> {
  const name = Math.random().toString(36).slice(2);
  const src = join(dir, `${name}-in.nii`);
  const like = join(dir, `${name}-like.nii`);
  const out = join(dir, `${name}-out.nii`);
  await writeFile(src, await writeNifti(input));
  await writeFile(like, await writeNifti(ours));
  execFileSync(PYTHON, [TOOL, src, like, String(order), out]);
  const reference = await readNiftiFile(out);
  const inside = await readNifti(new Uint8Array(await readFile(`${out}.inside.nii`)));
  return { values: Float64Array.from(reference.data as Float64Array, Number), inside: inside.data as Uint8Array };
}

function compare(ours: Volume, reference: { values: Float64Array; inside: Uint8Array }): { maxDiff: number; compared: number } {
  let maxDiff = 0;
  let compared = 0;
  for (let i = 0; i < reference.values.length; i += 1) {
    if (!reference.inside[i]) continue;
    compared += 1;
    maxDiff = Math.max(maxDiff, Math.abs(Number(ours.data[i]) - reference.values[i]!));
  }
  return { maxDiff, compared };
}

function smoothPhantom(): Volume {
  const dims = [48, 40, 24] as const;
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k += 1)
    for (let j = 0; j < dims[1]; j += 1)
      for (let i = 0; i < dims[0]; i += 1) data[i + dims[0] * (j + dims[1] * k)] = 100 * Math.sin(i / 5) * Math.cos(j / 7) + 3 * k;
  return { dims, datatype: 'float32', data, affine: OBLIQUE };
}

describe('resample agrees with scipy.ndimage', () => {
  it('linear, oblique anisotropic phantom (0.8 x 1.2 x 2.5 mm) to 1 mm: same values away from the borders', async () => {
    const input = smoothPhantom();
    const ours = await resample(input, { spacingMm: 1 }, { interpolation: 'linear' });
    expect(ours.dims).toEqual([38, 48, 60]);
    expect(geometryFromAffine(ours.affine).spacingMm.map((s) => +s.toFixed(6))).toEqual([1, 1, 1]);
    expect(geometryFromAffine(ours.affine).originMm).toEqual(geometryFromAffine(input.affine).originMm.map((x) => expect.closeTo(x, 6)));
    const { maxDiff, compared } = compare(ours, await scipy(input, ours, 1));
    expect(compared).toBeGreaterThan(50_000);
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('nearest, same phantom: identical values', async () => {
    const input = smoothPhantom();
    const ours = await resample(input, { spacingMm: [1.1, 0.9, 1.7] }, { interpolation: 'nearest' });
    const { maxDiff, compared } = compare(ours, await scipy(input, ours, 0));
    expect(compared).toBeGreaterThan(20_000);
    expect(maxDiff).toBe(0);
  });

  it('linear on Colin27 (uint8, 1 mm) to 1.5 mm: float output matches, integer output is the rounded value', async () => {
    const ch2 = await readNiftiFile(join(MRICRON, 'ch2.nii.gz'));
    const asFloat = await resample(ch2, { spacingMm: 1.5 }, { interpolation: 'linear', datatype: 'float32' });
    expect(asFloat.datatype).toBe('float32');
    const reference = await scipy(ch2, asFloat, 1);
    const { maxDiff, compared } = compare(asFloat, reference);
    expect(compared).toBeGreaterThan(200_000);
    expect(maxDiff).toBeLessThan(1e-3);
    const asUint8 = await resample(ch2, { spacingMm: 1.5 }, { interpolation: 'linear' });
    expect(asUint8.datatype).toBe('uint8');
    expect(compare(asUint8, reference).maxDiff).toBeLessThanOrEqual(0.5 + 1e-3);
  });
});

describe('masks keep their labels', () => {
  it('the AAL atlas (116 labels) to 1.5 mm and back onto its own grid keeps every label, with label and nearest', async () => {
    const aal = await readNiftiFile(join(MRICRON, 'aal.nii.gz'));
    const labels = new Set(aal.data as Uint8Array);
    for (const interpolation of ['label', 'nearest'] as const) {
      const coarse = await resample(aal, { spacingMm: 1.5 }, { interpolation });
      const back = await resample(coarse, { like: aal }, { interpolation });
      expect(back.dims).toEqual(aal.dims);
      expect(back.affine).toEqual(aal.affine.map((row) => row.map((x) => expect.closeTo(x, 6))));
      expect(new Set(coarse.data as Uint8Array)).toEqual(labels);
      expect(new Set(back.data as Uint8Array)).toEqual(labels);
      // No value that was not a label: interpolation never invents one.
      for (const value of new Set(back.data as Uint8Array)) expect(labels.has(value)).toBe(true);
    }
  });

  it('a sphere mask on an oblique grid comes back to (nearly) the same voxels', async () => {
    const mask = sphereMask([40, 40, 20], 8);
    const iso = await resample(mask, { spacingMm: 1 }, { interpolation: 'label' });
    const back = await resample(iso, { like: mask }, { interpolation: 'label' });
    let same = 0;
    for (let i = 0; i < mask.data.length; i += 1) same += Number(mask.data[i] === back.data[i]);
    expect(same / mask.data.length).toBeGreaterThan(0.98);
  });
});

describe('resample refuses what it cannot do, before doing anything', () => {
  const volume = sphereMask([8, 8, 8], 3);
  it('has no default interpolation', async () => {
    await expect(resample(volume, { spacingMm: 1 }, {} as never)).rejects.toMatchObject({ code: 'NIFTI_INVALID_VOLUME' });
    await expect(resample(volume, { spacingMm: 1 }, { interpolation: 'cubic' as never })).rejects.toThrowError(
      /linear', 'nearest' or 'label'/,
    );
  });

  it('bad spacing, 4-D, colour and sheared volumes', async () => {
    await expect(resample(volume, { spacingMm: 0 }, { interpolation: 'nearest' })).rejects.toBeInstanceOf(NiftiError);
    await expect(resample(volume, { spacingMm: [1, -1, 1] }, { interpolation: 'nearest' })).rejects.toBeInstanceOf(NiftiError);
    const fourD: Volume = { ...volume, dims: [4, 4, 4, 8] };
    await expect(resample(fourD, { spacingMm: 1 }, { interpolation: 'nearest' })).rejects.toThrowError(/3-D/);
    const rgb: Volume = { dims: [2, 2, 2], datatype: 'rgb24', data: new Uint8Array(24), affine: OBLIQUE };
    await expect(resample(rgb, { spacingMm: 1 }, { interpolation: 'nearest' })).rejects.toThrowError(/scalar/);
    const sheared: Volume = {
      ...volume,
      affine: [
        [1, 0.5, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    };
    await expect(resample(sheared, { spacingMm: 1 }, { interpolation: 'nearest' })).rejects.toThrowError(/sheared/);
  });

  it('a volume that would not fit in WebAssembly memory is refused with NIFTI_TOO_LARGE', async () => {
    const error = await resample(volume, { spacingMm: 0.002 }, { interpolation: 'nearest' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NIFTI_TOO_LARGE' });
    expect((error as Error).message).toMatch(/GiB inside WebAssembly/);
  });

  it('honours an aborted signal and reports progress', async () => {
    await expect(resample(volume, { spacingMm: 1 }, { interpolation: 'nearest', signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    const seen: number[] = [];
    await resample(volume, { spacingMm: 1 }, { interpolation: 'nearest', onProgress: (p) => seen.push(p.loaded) });
    expect(seen).toEqual([0, 1]);
  });
});
