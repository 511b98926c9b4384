import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { voxelToWorld, type Mat4, type Vec3 } from '@medaas/nifti-io';
import { voxelIndexOfLocation, worldMmOfLocation, worldToVoxelIndex, type VoxelGrid } from '../src/coordinates.js';
import { DEMO_AFFINE } from '../src/demo-phantom.js';

/** A rotation about an arbitrary axis (Rodrigues), scaled per column, with an origin: any oblique grid. */
function obliqueAffine(axis: Vec3, angle: number, spacing: Vec3, origin: Vec3, flipK: boolean): Mat4 {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n) as [number, number, number];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const r = [
    [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
    [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
    [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
  ];
  const k = flipK ? -spacing[2] : spacing[2];
  const row = (i: number): [number, number, number, number] => [r[i]![0]! * spacing[0], r[i]![1]! * spacing[1], r[i]![2]! * k, origin[i]!];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

const arbitraryGrid = fc
  .record({
    axis: fc.tuple(
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: 0.1, max: 1, noNaN: true }),
    ),
    angle: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
    spacing: fc.tuple(
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
    ),
    origin: fc.tuple(
      fc.double({ min: -300, max: 300, noNaN: true }),
      fc.double({ min: -300, max: 300, noNaN: true }),
      fc.double({ min: -300, max: 300, noNaN: true }),
    ),
    flipK: fc.boolean(),
    dims: fc.tuple(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 300 })),
  })
  .map(({ axis, angle, spacing, origin, flipK, dims }): VoxelGrid => ({
    dims,
    affine: obliqueAffine(axis, angle, spacing, origin, flipK),
  }));

describe('worldToVoxelIndex', () => {
  const grid: VoxelGrid = { dims: [72, 64, 44], affine: DEMO_AFFINE };

  it('maps a voxel centre of an oblique, anisotropic, permuted grid back to that voxel, corners included', () => {
    const centre = voxelToWorld(DEMO_AFFINE, [20, 40, 18]);
    expect(worldToVoxelIndex(grid, centre)).toEqual([20, 40, 18]);
    expect(worldToVoxelIndex(grid, [-40, 30, 25])).toEqual([0, 0, 0]);
    expect(worldToVoxelIndex(grid, voxelToWorld(DEMO_AFFINE, [71, 63, 43]))).toEqual([71, 63, 43]);
  });

  it('property: any point within half a voxel of a centre maps to that voxel, on any oblique grid', () => {
    fc.assert(
      fc.property(
        arbitraryGrid,
        fc.tuple(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
        fc.tuple(
          fc.double({ min: -0.49, max: 0.49, noNaN: true }),
          fc.double({ min: -0.49, max: 0.49, noNaN: true }),
          fc.double({ min: -0.49, max: 0.49, noNaN: true }),
        ),
        (g, where, offset) => {
          const index = where.map((f, axis) => Math.min(g.dims[axis]! - 1, Math.floor(f * g.dims[axis]!))) as [number, number, number];
          const point = voxelToWorld(g.affine, [index[0] + offset[0], index[1] + offset[1], index[2] + offset[2]]);
          expect(worldToVoxelIndex(g, point)).toEqual(index);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: points beyond the grid on any axis give undefined, never a clamped index', () => {
    fc.assert(
      fc.property(
        arbitraryGrid,
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.double({ min: 0.51, max: 50, noNaN: true }),
        (g, axis, high, beyond) => {
          const p: [number, number, number] = [(g.dims[0]! - 1) / 2, (g.dims[1]! - 1) / 2, (g.dims[2]! - 1) / 2];
          p[axis] = high ? g.dims[axis]! - 1 + beyond : -beyond;
          expect(worldToVoxelIndex(g, voxelToWorld(g.affine, p))).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives undefined for non-finite points and 0, not -0, just inside the first voxel', () => {
    expect(worldToVoxelIndex(grid, [Number.NaN, 0, 0])).toBeUndefined();
    expect(worldToVoxelIndex(grid, [Infinity, 0, 0])).toBeUndefined();
    const nearOrigin = worldToVoxelIndex(
      {
        dims: [4, 4, 4],
        affine: [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
      },
      [-0.3, -0.2, -0.1],
    );
    expect(nearOrigin).toEqual([0, 0, 0]);
    expect(nearOrigin!.every((n) => Object.is(n, 0))).toBe(true);
  });

  it('refuses singular affines and bad dimensions with VIEWER_INVALID_GRID', () => {
    const flat: Mat4 = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
    ];
    const bad = [
      { dims: [4, 4, 4], affine: flat },
      {
        dims: [4, 4, 4],
        affine: [
          [Number.NaN, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ] as Mat4,
      },
      { dims: [4, 4], affine: DEMO_AFFINE },
      { dims: [4, 0, 4], affine: DEMO_AFFINE },
      { dims: [4, 2.5, 4], affine: DEMO_AFFINE },
    ];
    for (const g of bad) {
      let error: unknown;
      try {
        worldToVoxelIndex(g, [0, 0, 0]);
      } catch (e) {
        error = e;
      }
      expect(isMedaasError(error, 'VIEWER_INVALID_GRID')).toBe(true);
    }
  });
});

describe('voxelIndexOfLocation (NiiVue onLocationChange payloads)', () => {
  const grid: VoxelGrid = { dims: [72, 64, 44], affine: DEMO_AFFINE };

  it('uses the payload mm (a Float32Array with a trailing 1, as NiiVue sends it) and ignores its RAS-space vox', () => {
    const mm = voxelToWorld(DEMO_AFFINE, [52, 16, 30]);
    const payload = { mm: new Float32Array([...mm, 1]), vox: new Float32Array([30, 55, 47]), frac: [0.1, 0.2, 0.3] };
    expect(voxelIndexOfLocation(payload, grid)).toEqual([52, 16, 30]);
    expect(worldMmOfLocation({ mm: [1, 2, 3] })).toEqual([1, 2, 3]);
  });

  it('property: hostile payloads give undefined or a voxel inside the grid, and never throw', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withNullPrototype: true }), (payload) => {
        const result = voxelIndexOfLocation(payload, grid);
        if (result !== undefined) result.forEach((n, axis) => expect(n >= 0 && n < grid.dims[axis]!).toBe(true));
      }),
      { numRuns: 1000 },
    );
    for (const payload of [
      null,
      7,
      'mm',
      {},
      { mm: null },
      { mm: [1, 2] },
      { mm: ['1', 2, 3] },
      { mm: [Number.NaN, 0, 0] },
      { mm: [1e308, 1e308, 1e308] },
    ]) {
      expect(voxelIndexOfLocation(payload, grid)).toBeUndefined();
    }
  });
});
