import type { Volume } from '@medaas/nifti-io';
import { preview } from './bounded-json.js';
import { HttpProblem } from './errors.js';

/** A scalar volume as the algorithms see it: its size and a reader of scaled voxel values. */
export interface Grid {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly count: number;
  /** The scaled value (stored * slope + inter) of voxel `index`, x fastest. */
  readonly value: (index: number) => number;
}

/** A voxel index `[i, j, k]`. */
export type Point = readonly [number, number, number];

/** Views a volume as a grid; 2-D volumes have `nz = 1`. Refuses colour, complex and 4-D images with 400. */
export function gridOf(volume: Volume): Grid {
  const dims = [...volume.dims];
  while (dims.length < 3) dims.push(1);
  if (dims.slice(3).some((n) => n !== 1)) throw new HttpProblem(400, `expected a 2-D or 3-D image, got ${dims.join('x')}`);
  if (['rgb24', 'rgba32', 'complex64', 'complex128'].includes(volume.datatype))
    throw new HttpProblem(400, `expected a scalar image, got ${volume.datatype}`);
  const [nx, ny, nz] = dims as [number, number, number];
  const slope = volume.scaling?.slope || 1;
  const inter = volume.scaling?.inter ?? 0;
  const data = volume.data;
  let value: (index: number) => number;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) value = (i) => Number(data[i]) * slope + inter;
  else if (slope === 1 && inter === 0) value = (i) => (data as Float64Array)[i]!;
  else value = (i) => (data as Float64Array)[i]! * slope + inter;
  return { nx, ny, nz, count: nx * ny * nz, value };
}

/** How many points a list may hold, and the fewest it needs. */
export interface PointCount {
  /** The most points (`limits.maxPoints`); more is a 413. */
  readonly max: number;
  /** The fewest points; fewer is a 400. Default 0. */
  readonly min?: number;
}

/**
 * Reads points from params: arrays of `[i, j, k]`, or the legacy JSON string of such an array. 400 when
 * malformed or outside the grid, 413 for more than `count.max` points (counted before any is read).
 */
export function pointsParam(value: unknown, name: string, grid: Grid, count: PointCount): Point[] {
  let list = value ?? [];
  if (typeof list === 'string') {
    // A legacy string holds at most as many points as its characters allow: refuse a long one before parsing.
    if (list.length > count.max * 64 + 2) throw new HttpProblem(413, `${name} has more than ${count.max} points (limits.maxPoints)`);
    try {
      list = JSON.parse(list);
    } catch {
      throw new HttpProblem(400, `${name} is a string but not a JSON array of points`);
    }
  }
  if (!Array.isArray(list)) throw new HttpProblem(400, `${name} must be an array of [i, j, k] points`);
  if (list.length > count.max)
    throw new HttpProblem(413, `${name} has ${list.length} points, at most ${count.max} are allowed (limits.maxPoints)`);
  const minimum = count.min ?? 0;
  if (list.length < minimum) throw new HttpProblem(400, `${name} needs at least ${minimum} points, got ${list.length}`);
  return list.map((p, index) => pointParam(p, `${name}[${index}]`, grid));
}

/** Reads one `[i, j, k]` point (a 2-D `[i, j]` is taken at k = 0); 400 when malformed or outside the grid. */
export function pointParam(p: unknown, name: string, grid: Grid): Point {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new HttpProblem(400, `${name} must be [i, j, k] numbers, got ${preview(p)}`);
  }
  const point = [Math.round(p[0]), Math.round(p[1]), Math.round(p[2] ?? 0)] as const;
  if (point[0] < 0 || point[1] < 0 || point[2] < 0 || point[0] >= grid.nx || point[1] >= grid.ny || point[2] >= grid.nz) {
    throw new HttpProblem(400, `${name} ${preview(p)} lies outside the image (${grid.nx}x${grid.ny}x${grid.nz})`);
  }
  return point;
}

/** The linear index of a point. */
export function indexOf(grid: Grid, p: Point): number {
  return (p[2] * grid.ny + p[1]) * grid.nx + p[0];
}

/** A mask volume (uint8 labels) on exactly the grid of `like`. */
export function maskVolume(like: Volume, data: Uint8Array): Volume {
  return {
    dims: like.dims,
    datatype: 'uint8',
    data,
    affine: like.affine,
    ...(like.xformCode === undefined ? {} : { xformCode: like.xformCode }),
  };
}
