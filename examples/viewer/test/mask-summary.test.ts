import { expect, it } from 'vitest';
import { voxelToWorld } from '@medaas/nifti-io';
import { DEMO_AFFINE } from '../src/demo-phantom.js';
import { summarizeMask } from '../src/mask-summary.js';

it('counts set voxels, their volume in ml, and finds their centroid in voxel indices (i fastest) and in millimetres', () => {
  const dims = [10, 8, 6];
  const data = new Uint8Array(10 * 8 * 6);
  // A 2x2x2 cube at i 6-7, j 1-2, k 3-4: centroid [6.5, 1.5, 3.5].
  for (const k of [3, 4]) for (const j of [1, 2]) for (const i of [6, 7]) data[i + 10 * (j + 8 * k)] = 1;
  const summary = summarizeMask({ dims, data, affine: DEMO_AFFINE });
  expect(summary.voxels).toBe(8);
  // DEMO_AFFINE's voxels are 1 x 0.8 x 1.5 mm = 1.2 mm³: 8 of them are 9.6 mm³, 0.0096 ml (nibabel: abs(det(affine[:3, :3]))).
  expect(summary.volumeMl).toBeCloseTo(0.0096, 12);
  expect(summary.centroidIndex).toEqual([6.5, 1.5, 3.5]);
  expect(summary.centroidMm).toEqual(voxelToWorld(DEMO_AFFINE, [6.5, 1.5, 3.5]));
  expect(summarizeMask({ dims, data: new Uint8Array(480), affine: DEMO_AFFINE })).toEqual({
    voxels: 0,
    volumeMl: 0,
    centroidIndex: undefined,
    centroidMm: undefined,
  });
});
