import { HttpProblem } from './errors.js';
import { indexOf, type Grid, type Point } from './grid.js';

/** An inclusive box per axis: `[[x0, x1], [y0, y1], [z0, z1]]`. */
export type Box = [[number, number], [number, number], [number, number]];

/**
 * Otsu's threshold (1979): the cut of a 256-bin histogram that maximises the between-class variance.
 * Voxels strictly above it form the bright class.
 */
export function otsuThreshold(grid: Grid, box: Box = fullBox(grid)): number {
  let min = Infinity;
  let max = -Infinity;
  forEachInBox(grid, box, (i) => {
    const v = grid.value(i);
    if (v < min) min = v;
    if (v > max) max = v;
  });
  if (!(max > min)) return min;
  const bins = 256;
  const hist = new Float64Array(bins);
  const width = (max - min) / bins;
  let total = 0;
  forEachInBox(grid, box, (i) => {
    hist[Math.min(bins - 1, Math.floor((grid.value(i) - min) / width))]! += 1;
    total += 1;
  });
  let sumAll = 0;
  for (let b = 0; b < bins; b += 1) sumAll += b * hist[b]!;
  let weightLow = 0;
  let sumLow = 0;
  let best = 0;
  let bestVariance = -1;
  for (let b = 0; b < bins - 1; b += 1) {
    weightLow += hist[b]!;
    sumLow += b * hist[b]!;
    const weightHigh = total - weightLow;
    if (weightLow === 0 || weightHigh === 0) continue;
    const meanLow = sumLow / weightLow;
    const meanHigh = (sumAll - sumLow) / weightHigh;
    const variance = weightLow * weightHigh * (meanLow - meanHigh) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = b;
    }
  }
  return min + (best + 1) * width;
}

/**
 * Keeps the largest 6-connected component of `mask` inside `box` (or the one containing `seed` voxels
 * when given) and clears the rest. Returns the kept component's voxel count.
 */
export function keepLargestComponent(grid: Grid, mask: Uint8Array, box: Box = fullBox(grid)): number {
  const labels = new Int32Array(mask.length);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  forEachInBox(grid, box, (start) => {
    if (!mask[start] || labels[start]) return;
    next += 1;
    const size = flood(
      grid,
      box,
      start,
      (i) => mask[i] === 1 && labels[i] === 0,
      (i) => (labels[i] = next),
    );
    if (size > bestSize) {
      bestSize = size;
      best = next;
    }
  });
  for (let i = 0; i < mask.length; i += 1) mask[i] = mask[i] && labels[i] === best ? 1 : 0;
  return bestSize;
}

/** Breadth-first flood fill over 6-neighbours inside `box`. Returns the number of voxels visited. */
export function flood(grid: Grid, box: Box, start: number, accept: (i: number) => boolean, visit: (i: number) => void): number {
  const { nx, ny } = grid;
  const nxy = nx * ny;
  // The queue grows with the region, not with the box: a click in a small structure of a big CT stays cheap.
  let queue = new Int32Array(4096);
  let head = 0;
  let tail = 0;
  const push = (j: number): void => {
    if (tail === queue.length) {
      const bigger = new Int32Array(queue.length * 2);
      bigger.set(queue);
      queue = bigger;
    }
    queue[tail++] = j;
  };
  visit(start);
  push(start);
  while (head < tail) {
    const i = queue[head++]!;
    const x = i % nx;
    const y = Math.floor(i / nx) % ny;
    const z = Math.floor(i / nxy);
    const tryVisit = (j: number): void => {
      if (accept(j)) {
        visit(j);
        push(j);
      }
    };
    if (x > box[0][0]) tryVisit(i - 1);
    if (x < box[0][1]) tryVisit(i + 1);
    if (y > box[1][0]) tryVisit(i - nx);
    if (y < box[1][1]) tryVisit(i + nx);
    if (z > box[2][0]) tryVisit(i - nxy);
    if (z < box[2][1]) tryVisit(i + nxy);
  }
  return tail;
}

/**
 * Automatic segmentation: Otsu threshold (or a fixed one), then the largest connected component of the
 * bright class. Returns the mask and the component's six extreme points (min and max along each axis).
 */
export function thresholdSegmentation(grid: Grid, threshold?: number): { mask: Uint8Array; points: Point[] } {
  const cut = threshold ?? otsuThreshold(grid);
  const mask = new Uint8Array(grid.count);
  for (let i = 0; i < grid.count; i += 1) mask[i] = grid.value(i) > cut ? 1 : 0;
  keepLargestComponent(grid, mask);
  return { mask, points: extremePoints(grid, mask) };
}

/**
 * DEXTR3D stand-in: the structure inside the box spanned by the extreme points. The box is split by an
 * Otsu threshold computed inside it; the structure is the class that does not hold the majority of the
 * box's eight corners (corners of a box around a convex structure lie outside it); its largest
 * connected component inside the box is kept.
 */
export function dextr3dSegmentation(grid: Grid, points: readonly Point[]): Uint8Array {
  const box = boxOf(points);
  const cut = otsuThreshold(grid, box);
  let brightCorners = 0;
  for (const x of box[0])
    for (const y of box[1]) for (const z of box[2]) if (grid.value(indexOf(grid, [x, y, z])) > cut) brightCorners += 1;
  const structureIsBright = brightCorners < 4;
  const mask = new Uint8Array(grid.count);
  forEachInBox(grid, box, (i) => {
    mask[i] = grid.value(i) > cut === structureIsBright ? 1 : 0;
  });
  keepLargestComponent(grid, mask, box);
  return mask;
}

/** Inputs of {@link deepgrowSegmentation}. */
export interface DeepgrowInput {
  readonly foreground: readonly Point[];
  readonly background: readonly Point[];
  /** Grow within this box only (a 2-D model's slice, or a 3-D model's spatial size around the click). */
  readonly box: Box;
}

/**
 * DeepGrow stand-in: seeded region growing (Adams and Bischof, 1994) from the foreground clicks over
 * 6-neighbours, stopped where the intensity changes by more than the image's noise explains:
 * - the image noise `σn` is estimated robustly from neighbouring voxels' differences (their median), so an
 *   edge between structures a few noise levels apart stops the growth, as a trained DeepGrow model would;
 * - the foreground model is the mean and spread of the clicks' 3x3x3 neighbourhoods, counting only the
 *   neighbours within 3 `σn` of the clicked voxel's own value: a click near an edge describes the structure
 *   it is in, not a blend of it and its surroundings;
 * - a voxel joins when within 3 spreads (at least 4 `σn`, and at least 5 % of the box's range, for images whose
 *   texture varies more than their noise) of the foreground mean and, when there are
 *   background clicks, when its local mean (itself and those of its 6 neighbours that are within the
 *   tolerance too: averaging takes the noise away, but not across the structure's outer edge) is nearer to
 *   the foreground mean than to the background mean. Background clicks themselves never join.
 * An image without noise (a synthetic step) falls back to 5 % of the box's range as the noise level.
 */
export function deepgrowSegmentation(grid: Grid, input: DeepgrowInput): Uint8Array {
  const { box } = input;
  const [min, max] = sampledRange(grid, box);
  const sigma = noiseSigma(grid) || 0.05 * (max - min);
  const fg = neighbourhoodStats(grid, input.foreground, 3 * sigma);
  const bg = input.background.length > 0 ? neighbourhoodStats(grid, input.background, 3 * sigma) : undefined;
  const tolerance = Math.max(3 * fg.std, 4 * sigma, 0.05 * (max - min));
  const blocked = new Set(input.background.map((p) => indexOf(grid, p)));
  const mask = new Uint8Array(grid.count);
  const { nx, ny, nz } = grid;
  const nxy = nx * ny;
  const localMean = (i: number, v: number): number => {
    const x = i % nx;
    const y = Math.floor(i / nx) % ny;
    const z = Math.floor(i / nxy);
    let sum = v;
    let n = 1;
    const add = (j: number): void => {
      const w = grid.value(j);
      if (Math.abs(w - fg.mean) > tolerance) return;
      sum += w;
      n += 1;
    };
    if (x > 0) add(i - 1);
    if (x < nx - 1) add(i + 1);
    if (y > 0) add(i - nx);
    if (y < ny - 1) add(i + nx);
    if (z > 0) add(i - nxy);
    if (z < nz - 1) add(i + nxy);
    return sum / n;
  };
  const accept = (i: number): boolean => {
    if (mask[i] || blocked.has(i)) return false;
    const v = grid.value(i);
    if (Math.abs(v - fg.mean) > tolerance) return false;
    if (!bg) return true;
    const m = localMean(i, v);
    return Math.abs(m - fg.mean) < Math.abs(m - bg.mean);
  };
  for (const seed of input.foreground) {
    const start = indexOf(grid, seed);
    if (mask[start] || blocked.has(start) || !inBox(seed, box)) continue;
    flood(grid, box, start, accept, (i) => (mask[i] = 1));
  }
  return mask;
}

/**
 * The image's noise level: the median absolute difference of about 200 000 pairs of neighbouring voxels
 * along x, scaled to a Gaussian's standard deviation (`/ (0.6745 * sqrt 2)`). Edges are a small share of
 * all pairs, so the median sees the noise, not the structures. 0 for a noise-free image.
 */
export function noiseSigma(grid: Grid): number {
  if (grid.nx < 2) return 0;
  const pairs = (grid.nx - 1) * grid.ny * grid.nz;
  const stride = Math.max(1, Math.floor(pairs / 200_000));
  const diffs: number[] = [];
  for (let p = 0; p < pairs; p += stride) {
    const row = Math.floor(p / (grid.nx - 1));
    const i = row * grid.nx + (p % (grid.nx - 1));
    diffs.push(Math.abs(grid.value(i + 1) - grid.value(i)));
  }
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)]! / (0.6745 * Math.SQRT2);
}

/** The bounding box of points, inclusive (one loop: a spread of many points into `Math.min` overflows the stack). */
export function boxOf(points: readonly Point[]): Box {
  if (points.length === 0) throw new HttpProblem(400, 'no points');
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const p of points) {
    for (let a = 0; a < 3; a += 1) {
      if (p[a]! < lo[a]!) lo[a] = p[a]!;
      if (p[a]! > hi[a]!) hi[a] = p[a]!;
    }
  }
  return [
    [lo[0]!, hi[0]!],
    [lo[1]!, hi[1]!],
    [lo[2]!, hi[2]!],
  ];
}

/** The whole grid as a box. */
export function fullBox(grid: Grid): Box {
  return [
    [0, grid.nx - 1],
    [0, grid.ny - 1],
    [0, grid.nz - 1],
  ];
}

/** A box of `size` voxels centred on `center`, clipped to the grid. */
export function boxAround(grid: Grid, center: Point, size: readonly number[]): Box {
  const dims = [grid.nx, grid.ny, grid.nz];
  return [0, 1, 2].map((a) => {
    const s = Math.max(1, Math.round(size[a] ?? dims[a]!));
    const lo = Math.max(0, center[a]! - Math.floor(s / 2));
    return [lo, Math.min(dims[a]! - 1, lo + s - 1)];
  }) as Box;
}

/** The bounding box of a mask's voxels, or undefined when it is empty. */
export function maskBox(grid: Grid, mask: Uint8Array): Box | undefined {
  const points = extremePoints(grid, mask);
  return points.length ? boxOf(points) : undefined;
}

/** Six extreme points of a mask: the first voxel found at the min and max along x, y and z. */
export function extremePoints(grid: Grid, mask: Uint8Array): Point[] {
  const best: (Point | undefined)[] = new Array(6).fill(undefined);
  const { nx, ny } = grid;
  for (let i = 0; i < mask.length; i += 1) {
    if (!mask[i]) continue;
    const p: Point = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
    for (let a = 0; a < 3; a += 1) {
      if (!best[2 * a] || p[a]! < best[2 * a]![a]!) best[2 * a] = p;
      if (!best[2 * a + 1] || p[a]! > best[2 * a + 1]![a]!) best[2 * a + 1] = p;
    }
  }
  return best.every((p) => p) ? (best as Point[]) : [];
}

/** Mean and standard deviation of the points' 3x3x3 neighbours whose value lies within `spread` of the point's own. */
function neighbourhoodStats(grid: Grid, points: readonly Point[], spread: number): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (const p of points) {
    const own = grid.value(indexOf(grid, p));
    for (let dz = -1; dz <= 1; dz += 1)
      for (let dy = -1; dy <= 1; dy += 1)
        for (let dx = -1; dx <= 1; dx += 1) {
          const q: Point = [p[0] + dx, p[1] + dy, p[2] + dz];
          if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= grid.nx || q[1] >= grid.ny || q[2] >= grid.nz) continue;
          const v = grid.value(indexOf(grid, q));
          if (Math.abs(v - own) > spread) continue;
          n += 1;
          sum += v;
          sum2 += v * v;
        }
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) };
}

function inBox(p: Point, box: Box): boolean {
  return p.every((v, a) => v >= box[a]![0] && v <= box[a]![1]);
}

function forEachInBox(grid: Grid, box: Box, fn: (index: number) => void): void {
  for (let z = box[2][0]; z <= box[2][1]; z += 1)
    for (let y = box[1][0]; y <= box[1][1]; y += 1) {
      const row = (z * grid.ny + y) * grid.nx;
      for (let x = box[0][0]; x <= box[0][1]; x += 1) fn(row + x);
    }
}

/** The value range of about a million voxels sampled evenly from a box: enough for a tolerance, cheap on a 78 M-voxel CT. */
function sampledRange(grid: Grid, box: Box): [number, number] {
  const voxels = (box[0][1] - box[0][0] + 1) * (box[1][1] - box[1][0] + 1) * (box[2][1] - box[2][0] + 1);
  const stride = Math.max(1, Math.round(Math.cbrt(voxels / 1e6)));
  let min = Infinity;
  let max = -Infinity;
  for (let z = box[2][0]; z <= box[2][1]; z += stride)
    for (let y = box[1][0]; y <= box[1][1]; y += stride) {
      const row = (z * grid.ny + y) * grid.nx;
      for (let x = box[0][0]; x <= box[0][1]; x += stride) {
        const v = grid.value(row + x);
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  return [min, max];
}
