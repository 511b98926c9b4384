import { keepLargestComponent, otsuThreshold } from './algorithms.js';
import { preview } from './bounded-json.js';
import { TestkitError } from './errors.js';
import type { Grid } from './grid.js';

/** The file format tag of a learned testkit model (the `data` part of `PUT /admin/model/{name}`). */
export const WINDOW_MODEL_FORMAT = 'medaas-testkit-window';

/**
 * The learnable parameters of the testkit's automatic segmentation: voxels with `low < value <= high`,
 * opened by `opening` erosions (which cut thin bridges, e.g. brain to scalp), the largest connected
 * component kept and grown back, then enclosed holes filled.
 */
export interface WindowModelParams {
  readonly low: number;
  readonly high: number;
  /** 6-neighbour erosions before the component is taken (and dilations after). 0..8. */
  readonly opening: number;
  readonly fillHoles: boolean;
}

/**
 * Reads and checks a learned model file: JSON `{ format, version: 1, low, high, opening, fillHoles }`.
 *
 * @throws {Error} with a message naming the bad field; the server answers it as 400.
 * @example
 * ```ts
 * parseWindowModel(new TextEncoder().encode('{"format":"medaas-testkit-window","version":1,"low":10,"high":90,"opening":1,"fillHoles":true}'));
 * ```
 */
export function parseWindowModel(bytes: Uint8Array): WindowModelParams {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalidModel('the model data is not a JSON medaas testkit model (broken or truncated file)');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidModel('the model data must be a JSON object');
  const v = value as Record<string, unknown>;
  if (v['format'] !== WINDOW_MODEL_FORMAT)
    throw invalidModel(`the model data has format ${preview(v['format'])}, expected "${WINDOW_MODEL_FORMAT}"`);
  if (v['version'] !== 1) throw invalidModel(`unsupported model version ${preview(v['version'])}`);
  const { low, high, opening, fillHoles } = v;
  if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
    throw invalidModel('the model needs finite numbers low < high');
  }
  if (!Number.isInteger(opening) || (opening as number) < 0 || (opening as number) > 8)
    throw invalidModel('opening must be a whole number 0..8');
  if (typeof fillHoles !== 'boolean') throw invalidModel('fillHoles must be true or false');
  return { low, high, opening: opening as number, fillHoles };
}

/**
 * The model file of a set of parameters, as the `fit` trainer writes it.
 *
 * @example
 * ```ts
 * const bytes = serializeWindowModel({ low: 10, high: 90, opening: 1, fillHoles: true });
 * ```
 */
export function serializeWindowModel(params: WindowModelParams): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ format: WINDOW_MODEL_FORMAT, version: 1, ...params }, null, 2)}\n`);
}

/** The default model's parameters for a grid: Otsu's cut up to the maximum, no opening, no filling. */
export function defaultWindowParams(grid: Grid): WindowModelParams {
  let max = -Infinity;
  for (let i = 0; i < grid.count; i += 1) max = Math.max(max, grid.value(i));
  return { low: otsuThreshold(grid), high: max, opening: 0, fillHoles: false };
}

/** Runs the windowed segmentation on a grid. Returns a 0/1 mask. */
export function windowSegmentation(grid: Grid, params: WindowModelParams): Uint8Array {
  const mask = new Uint8Array(grid.count);
  for (let i = 0; i < grid.count; i += 1) {
    const v = grid.value(i);
    mask[i] = v > params.low && v <= params.high ? 1 : 0;
  }
  return refineMask(grid, mask, params);
}

/** Opening, largest component and hole filling of a thresholded mask (in place; returned). */
export function refineMask(grid: Grid, mask: Uint8Array, params: Pick<WindowModelParams, 'opening' | 'fillHoles'>): Uint8Array {
  const before = params.opening > 0 ? mask.slice() : undefined;
  for (let r = 0; r < params.opening; r += 1) morph(grid, mask, 'erode');
  keepLargestComponent(grid, mask);
  for (let r = 0; r < params.opening; r += 1) morph(grid, mask, 'dilate');
  // Grown back only over voxels the window had kept: the opening removes bridges, not tissue.
  if (before) for (let i = 0; i < mask.length; i += 1) mask[i] = mask[i]! & before[i]!;
  if (params.fillHoles) fillHoles(grid, mask);
  return mask;
}

function morph(grid: Grid, mask: Uint8Array, kind: 'erode' | 'dilate'): void {
  const { nx, ny, nz } = grid;
  const nxy = nx * ny;
  const src = mask.slice();
  const want = kind === 'erode' ? 0 : 1;
  for (let z = 0; z < nz; z += 1) {
    for (let y = 0; y < ny; y += 1) {
      for (let x = 0; x < nx; x += 1) {
        const i = z * nxy + y * nx + x;
        if (src[i] === want) continue;
        // Erosion: a voxel with any background neighbour goes; dilation: any foreground neighbour comes.
        if (
          (x > 0 && src[i - 1] === want) ||
          (x < nx - 1 && src[i + 1] === want) ||
          (y > 0 && src[i - nx] === want) ||
          (y < ny - 1 && src[i + nx] === want) ||
          (z > 0 && src[i - nxy] === want) ||
          (z < nz - 1 && src[i + nxy] === want)
        ) {
          mask[i] = want;
        }
      }
    }
  }
}

/** Sets every background voxel not 6-connected to the volume's border (an enclosed hole) to 1. */
function fillHoles(grid: Grid, mask: Uint8Array): void {
  const { nx, ny, nz } = grid;
  const nxy = nx * ny;
  const outside = new Uint8Array(mask.length);
  let queue = new Int32Array(1 << 16);
  let tail = 0;
  const push = (i: number): void => {
    if (mask[i] || outside[i]) return;
    outside[i] = 1;
    if (tail === queue.length) {
      const bigger = new Int32Array(queue.length * 2);
      bigger.set(queue);
      queue = bigger;
    }
    queue[tail++] = i;
  };
  for (let z = 0; z < nz; z += 1) {
    for (let y = 0; y < ny; y += 1) {
      for (let x = 0; x < nx; x += 1) {
        if (x === 0 || y === 0 || z === 0 || x === nx - 1 || y === ny - 1 || z === nz - 1) push(z * nxy + y * nx + x);
      }
    }
  }
  for (let head = 0; head < tail; head += 1) {
    const i = queue[head]!;
    const x = i % nx;
    const y = Math.floor(i / nx) % ny;
    const z = Math.floor(i / nxy);
    if (x > 0) push(i - 1);
    if (x < nx - 1) push(i + 1);
    if (y > 0) push(i - nx);
    if (y < ny - 1) push(i + nx);
    if (z > 0) push(i - nxy);
    if (z < nz - 1) push(i + nxy);
  }
  for (let i = 0; i < mask.length; i += 1) if (!outside[i]) mask[i] = 1;
}

function invalidModel(message: string): TestkitError {
  return new TestkitError('TESTKIT_INVALID_MODEL', message);
}
