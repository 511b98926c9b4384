import { AiaaError } from './errors.js';

/** A voxel index `[i, j, k]` of the uploaded image (NIfTI index order: i fastest). */
export type VoxelPoint = readonly [number, number, number];

/** A polygon: `[x, y]` vertices in slice pixel coordinates. */
export type Polygon = readonly (readonly [number, number])[];

/** The polygons of one slice. An empty slice has none. */
export type SlicePolygons = readonly Polygon[];

/** A box in voxel indices, inclusive on both ends, per axis: `[[x0, x1], [y0, y1], [z0, z1]]`. */
export type VoxelBox = readonly [readonly [number, number], readonly [number, number], readonly [number, number]];

/**
 * The most points one list may hold (extreme points, clicks): 10 000. Real lists hold 6 to a few hundred;
 * the bound keeps a runaway list from costing a huge request (and, before it, an untyped stack overflow).
 */
export const MAX_POINTS = 10_000;

/** Checks that there are `minimum` to {@link MAX_POINTS} points, each three non-negative whole numbers. */
export function checkPoints(points: unknown, what: string, minimum = 0): VoxelPoint[] {
  if (!Array.isArray(points)) throw invalid(`${what} must be an array of [i, j, k] voxel indices`, what);
  if (points.length < minimum) throw invalid(`${what} needs at least ${minimum} points, got ${points.length}`, what);
  if (points.length > MAX_POINTS)
    throw invalid(`${what} has ${points.length} points, more than the ${MAX_POINTS} allowed`, what, {
      count: points.length,
      limit: MAX_POINTS,
    });
  return points.map((point, index) => checkPoint(point, `${what}[${index}]`));
}

/** Checks one `[i, j, k]` voxel index. */
export function checkPoint(point: unknown, what: string): VoxelPoint {
  if (!Array.isArray(point) || point.length !== 3 || !point.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw invalid(`${what} must be [i, j, k] with non-negative whole numbers, got ${JSON.stringify(point)?.slice(0, 80)}`, what);
  }
  return [point[0], point[1], point[2]];
}

/** Decodes polygons of one slice from a server reply, or undefined when they do not have that shape. */
export function asSlicePolygons(value: unknown): SlicePolygons | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Polygon[] = [];
  for (const polygon of value) {
    if (!Array.isArray(polygon)) return undefined;
    const vertices: (readonly [number, number])[] = [];
    for (const vertex of polygon) {
      if (!Array.isArray(vertex) || vertex.length < 2 || typeof vertex[0] !== 'number' || typeof vertex[1] !== 'number') return undefined;
      vertices.push([vertex[0], vertex[1]]);
    }
    out.push(vertices);
  }
  return out;
}

/** Decodes a `crop` box from DeepGrow params, when it has the `[[x0,x1],[y0,y1],[z0,z1]]` shape. */
export function asVoxelBox(value: unknown): VoxelBox | undefined {
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const axes = value.map((axis) =>
    Array.isArray(axis) && axis.length === 2 && axis.every((n) => typeof n === 'number' && Number.isFinite(n))
      ? ([axis[0], axis[1]] as const)
      : undefined,
  );
  const [x, y, z] = axes;
  return x && y && z ? [x, y, z] : undefined;
}

/** Decodes a list of `[i, j, k]` points from a reply (numbers, or the legacy JSON string form). */
export function asPoints(value: unknown): VoxelPoint[] | undefined {
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list)) return undefined;
  const out: VoxelPoint[] = [];
  for (const p of list) {
    if (!Array.isArray(p) || p.length < 3 || !p.slice(0, 3).every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
    out.push([p[0], p[1], p[2]]);
  }
  return out;
}

function invalid(message: string, what: string, facts: Readonly<Record<string, unknown>> = {}): AiaaError {
  return new AiaaError('AIAA_INVALID_ARGUMENT', message, { details: { argument: what, ...facts } });
}
