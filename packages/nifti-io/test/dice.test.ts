import { execFileSync } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { labelDice, maskDice, NiftiError, readNifti } from '@medaas/nifti-io';
import { MRICRON, PYTHON, requireReferenceTools } from './helpers/reference.js';

// numpy computes the same Dice figures on the same files (read by nibabel), so the figures are checked
// against an implementation that shares nothing with ours.
const NUMPY_DICE = String.raw`
import json, sys
import nibabel as nib, numpy as np
out, mricron = sys.argv[1], sys.argv[2]
def dice(a, b):
    n = a.sum() + b.sum()
    return 1.0 if n == 0 else float(2 * np.logical_and(a, b).sum() / n)
t1 = nib.load(f'{mricron}/ch2.nii.gz')
brain = np.asanyarray(nib.load(f'{mricron}/ch2bet.nii.gz').dataobj) > 0
nib.save(nib.Nifti1Image((np.asanyarray(t1.dataobj) > 80).astype(np.uint8), t1.affine), f'{out}/threshold.nii.gz')
atlas = nib.load(f'{mricron}/HarvardOxford-cort-maxprob-thr0-1mm.nii.gz')
labels = np.asanyarray(atlas.dataobj)
shifted = np.roll(labels, 2, axis=0)
nib.save(nib.Nifti1Image(shifted.astype(np.int64), atlas.affine, dtype=np.int64), f'{out}/atlas-shifted-int64.nii')
moved = atlas.affine.copy(); moved[0, 3] += 2.0
nib.save(nib.Nifti1Image(labels, moved), f'{out}/atlas-moved.nii.gz')
threshold = np.asanyarray(t1.dataobj) > 80
print(json.dumps({
  'brain': dice(threshold, brain),
  'labels': {str(l): dice(labels == l, shifted == l) for l in (1, 7, 30, 48)},
  'foreground': dice(labels > 0, shifted > 0),
  'absent': dice(labels == 200, shifted == 200),
}))
`;

interface NumpyFigures {
  readonly brain: number;
  readonly labels: Readonly<Record<string, number>>;
  readonly foreground: number;
  readonly absent: number;
}

const ATLAS = join(MRICRON, 'HarvardOxford-cort-maxprob-thr0-1mm.nii.gz');
let dir: string;
let numpy: NumpyFigures;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-dice-'));
  numpy = JSON.parse(execFileSync(PYTHON, ['-c', NUMPY_DICE, dir, MRICRON], { encoding: 'utf8' })) as NumpyFigures;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Dice of masks, against numpy', () => {
  it('a thresholded Colin27 T1 against its brain mask (.nii.gz bytes and Blobs)', async () => {
    const mask = new Uint8Array(await readFile(join(dir, 'threshold.nii.gz')));
    const score = await maskDice(mask, new Uint8Array(await readFile(join(MRICRON, 'ch2bet.nii.gz'))));
    expect(score).toBeCloseTo(numpy.brain, 12);
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThan(0.95);
    expect(await maskDice(await openAsBlob(join(dir, 'threshold.nii.gz')), await openAsBlob(join(MRICRON, 'ch2bet.nii.gz')))).toBe(score);
  });

  it('each label of an atlas against a shifted int64 copy, and the foreground, and a label in neither', async () => {
    const atlas = new Uint8Array(await readFile(ATLAS));
    const shifted = new Uint8Array(await readFile(join(dir, 'atlas-shifted-int64.nii')));
    for (const [label, expected] of Object.entries(numpy.labels)) {
      expect(await maskDice(atlas, shifted, { label: Number(label) })).toBeCloseTo(expected, 12);
    }
    expect(await maskDice(atlas, shifted)).toBeCloseTo(numpy.foreground, 12);
    expect(numpy.absent).toBe(1);
    expect(await maskDice(atlas, shifted, { label: 200 })).toBe(1);
    // The voxel arrays themselves: bigints on one side, bytes on the other.
    const a = await readNifti(atlas);
    const b = await readNifti(shifted);
    expect(b.data).toBeInstanceOf(BigInt64Array);
    expect(labelDice(a.data, b.data, { label: 7 })).toBeCloseTo(numpy.labels['7']!, 12);
    expect(labelDice(b.data, a.data, { label: 7 })).toBeCloseTo(numpy.labels['7']!, 12);
  });

  it('small arrays: exact figures, a non-integer label never matches a bigint', () => {
    expect(labelDice([0, 1, 1, 0], [0, 1, 0, 0])).toBeCloseTo(2 / 3, 15);
    expect(labelDice([2, 2, 1, 0], [2, 1, 1, 0], { label: 2 })).toBeCloseTo(2 / 3, 15);
    expect(labelDice([0, 0], [0, 0])).toBe(1);
    expect(labelDice(new BigInt64Array([2n, 2n]), [2, 2], { label: 2 })).toBe(1);
    expect(labelDice(new BigInt64Array([2n, 2n]), [2.5, 2.5], { label: 2.5 })).toBe(0);
  });
});

describe('masks that are not on the same grid', () => {
  it('refuses different dimensions and a moved affine with a typed NiftiError', async () => {
    const atlas = new Uint8Array(await readFile(ATLAS));
    const sizes = await maskDice(atlas, new Uint8Array(await readFile(join(MRICRON, 'ch2bet.nii.gz')))).catch((e: unknown) => e);
    expect(sizes).toBeInstanceOf(NiftiError);
    expect(isMedaasError(sizes, 'NIFTI_INVALID_ARGUMENT')).toBe(true);
    expect((sizes as NiftiError).message).toContain('182x218x182 vs 181x217x181');
    expect((sizes as NiftiError).details).toMatchObject({ reason: 'dims' });

    const moved = await maskDice(atlas, new Uint8Array(await readFile(join(dir, 'atlas-moved.nii.gz')))).catch((e: unknown) => e);
    expect(isMedaasError(moved, 'NIFTI_INVALID_ARGUMENT')).toBe(true);
    expect((moved as NiftiError).message).toMatch(/2\.00 mm apart/);
    expect((moved as NiftiError).details).toMatchObject({ reason: 'affine' });
  });

  it('refuses label arrays of different lengths and a label that is not a number', () => {
    expect(() => labelDice([1, 0], [1])).toThrow(
      expect.objectContaining({ code: 'NIFTI_INVALID_ARGUMENT', message: expect.stringContaining('2 vs 1 voxels') }),
    );
    expect(() => labelDice([1], [1], { label: Number.NaN })).toThrow(expect.objectContaining({ code: 'NIFTI_INVALID_ARGUMENT' }));
  });
});
