import { HttpProblem } from './errors.js';
import type { Grid } from './grid.js';

/** A polygon: `[x, y]` pixel vertices. */
export type Polygon = [number, number][];

// Clockwise in image coordinates (x right, y down), starting west.
const DX = [-1, -1, 0, 1, 1, 1, 0, -1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/**
 * mask2polygon: per slice (k), the outer boundary of every 8-connected region, traced with Moore-neighbour
 * tracing from its top-left pixel. Vertices are boundary pixel centres `[i, j]`; `pointRatio` keeps one in
 * that many. Holes are not traced. Empty slices give `[]`.
 */
export function maskToPolygons(grid: Grid, pointRatio: number): Polygon[][] {
  const { nx, ny, nz } = grid;
  const out: Polygon[][] = [];
  const seen = new Uint8Array(nx * ny);
  for (let z = 0; z < nz; z += 1) {
    seen.fill(0);
    const base = z * nx * ny;
    const on = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < nx && y < ny && grid.value(base + y * nx + x) > 0;
    const polygons: Polygon[] = [];
    for (let y = 0; y < ny; y += 1) {
      for (let x = 0; x < nx; x += 1) {
        if (seen[y * nx + x] || !on(x, y)) continue;
        const contour = trace(x, y, on);
        polygons.push(pointRatio > 1 ? contour.filter((_, i) => i % pointRatio === 0) : contour);
        markRegion(x, y, nx, ny, on, seen);
      }
    }
    out.push(polygons);
  }
  return out;
}

function trace(sx: number, sy: number, on: (x: number, y: number) => boolean): Polygon {
  const contour: Polygon = [[sx, sy]];
  let cx = sx;
  let cy = sy;
  let back = 0; // the start pixel's west neighbour is outside (it is the first pixel of its row run)
  let second: [number, number] | undefined;
  for (let steps = 0; steps < 4_000_000; steps += 1) {
    let found = -1;
    for (let k = 1; k <= 8; k += 1) {
      const d = (back + k) % 8;
      if (on(cx + DX[d]!, cy + DY[d]!)) {
        found = d;
        break;
      }
    }
    if (found < 0) return contour; // a single pixel
    const bx = cx + DX[(found + 7) % 8]!;
    const by = cy + DY[(found + 7) % 8]!;
    cx += DX[found]!;
    cy += DY[found]!;
    if (cx === sx && cy === sy) {
      // Jacob's stopping criterion: stop when the start is entered again the way it was first left.
      const nextBack = directionTo(cx, cy, bx, by);
      let d2 = -1;
      for (let k = 1; k <= 8; k += 1) {
        const d = (nextBack + k) % 8;
        if (on(cx + DX[d]!, cy + DY[d]!)) {
          d2 = d;
          break;
        }
      }
      if (second && cx + DX[d2]! === second[0] && cy + DY[d2]! === second[1]) return contour;
    }
    if (!second) second = [cx, cy];
    contour.push([cx, cy]);
    back = directionTo(cx, cy, bx, by);
  }
  return contour;
}

function directionTo(cx: number, cy: number, bx: number, by: number): number {
  for (let d = 0; d < 8; d += 1) if (cx + DX[d]! === bx && cy + DY[d]! === by) return d;
  return 0;
}

function markRegion(x: number, y: number, nx: number, ny: number, on: (x: number, y: number) => boolean, seen: Uint8Array): void {
  const stack = [y * nx + x];
  seen[y * nx + x] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    const px = i % nx;
    const py = Math.floor(i / nx);
    for (let d = 0; d < 8; d += 1) {
      const qx = px + DX[d]!;
      const qy = py + DY[d]!;
      if (qx < 0 || qy < 0 || qx >= nx || qy >= ny) continue;
      const j = qy * nx + qx;
      if (!seen[j] && on(qx, qy)) {
        seen[j] = 1;
        stack.push(j);
      }
    }
  }
}

/** Fills polygons into one slice: interiors by the even-odd rule at pixel centres, plus their edges. */
export function rasterize(polygons: readonly Polygon[], nx: number, ny: number, out: Uint8Array, offset: number): void {
  for (const polygon of polygons) {
    const n = polygon.length;
    if (n === 0) continue;
    const ys = polygon.map((v) => v[1]);
    const y0 = Math.max(0, Math.ceil(Math.min(...ys)));
    const y1 = Math.min(ny - 1, Math.floor(Math.max(...ys)));
    for (let y = y0; y <= y1; y += 1) {
      const xs: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const [ax, ay] = polygon[i]!;
        const [bx, by] = polygon[(i + 1) % n]!;
        if ((ay <= y && y < by) || (by <= y && y < ay)) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        for (let x = Math.max(0, Math.ceil(xs[k]!)); x <= Math.min(nx - 1, Math.floor(xs[k + 1]!)); x += 1) out[offset + y * nx + x] = 1;
      }
    }
    for (let i = 0; i < n; i += 1) line(polygon[i]!, polygon[(i + 1) % n]!, nx, ny, out, offset);
  }
}

function line(a: [number, number], b: [number, number], nx: number, ny: number, out: Uint8Array, offset: number): void {
  const steps = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
  for (let s = 0; s <= steps; s += 1) {
    const x = Math.round(a[0] + ((b[0] - a[0]) * s) / steps);
    const y = Math.round(a[1] + ((b[1] - a[1]) * s) / steps);
    if (x >= 0 && y >= 0 && x < nx && y < ny) out[offset + y * nx + x] = 1;
  }
}

/** Parameters of fixpolygon, as the official clients send them. */
export interface FixPolygonParams {
  readonly poly: Polygon[] | Polygon[][];
  readonly dimension: 2 | 3;
  readonly polygonIndex: number;
  readonly vertexIndex: number;
  readonly offset: [number, number];
  readonly neighbours: number;
  readonly sliceIndex: number;
  readonly neighbours3d: number;
}

/** Reads and checks fixpolygon params; 400 for anything malformed or out of range. */
export function fixPolygonParams(params: Record<string, unknown>): FixPolygonParams {
  const dimension = params['dimension'] === 3 ? 3 : params['dimension'] === 2 || params['dimension'] === undefined ? 2 : undefined;
  if (!dimension) throw new HttpProblem(400, 'dimension must be 2 or 3');
  const int = (key: string, fallback?: number): number => {
    const v = params[key] ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new HttpProblem(400, `${key} must be a non-negative whole number`);
    return v as number;
  };
  const offset = params['vertex_offset'];
  if (!Array.isArray(offset) || offset.length !== 2 || !offset.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new HttpProblem(400, 'vertex_offset must be [dx, dy]');
  }
  const poly = params['poly'];
  const isPolygon = (p: unknown): p is Polygon =>
    Array.isArray(p) && p.every((v) => Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number' && Number.isFinite(v[0]) && Number.isFinite(v[1]));
  const ok = dimension === 2 ? Array.isArray(poly) && poly.every(isPolygon) : Array.isArray(poly) && poly.every((s) => Array.isArray(s) && s.every(isPolygon));
  if (!ok) throw new HttpProblem(400, dimension === 2 ? 'poly must be a list of polygons' : 'poly must be a list of polygon lists, one per slice');
  return {
    poly: poly as Polygon[] | Polygon[][],
    dimension,
    polygonIndex: int('polygon_index'),
    vertexIndex: int('vertex_index'),
    offset: [offset[0], offset[1]],
    neighbours: int('propagate_neighbor', 1),
    sliceIndex: dimension === 3 ? int('slice_index') : 0,
    neighbours3d: dimension === 3 ? int('propagate_neighbor_3d', 0) : 0,
  };
}

/**
 * fixpolygon: moves one vertex by the offset; `neighbours` vertices on each side follow with a weight that
 * falls linearly (1 - d / (n + 1)); in 3-D the same vertex of the same polygon on `neighbours3d` slices on each
 * side follows the same way. Returns the updated polygons (slices of 2-D polygon lists).
 */
export function fixPolygons(slices: Polygon[][], p: FixPolygonParams): Polygon[][] {
  const target = slices[p.sliceIndex]?.[p.polygonIndex];
  if (!target) throw new HttpProblem(400, `there is no polygon ${p.polygonIndex}${p.dimension === 3 ? ` on slice ${p.sliceIndex}` : ''}`);
  if (p.vertexIndex >= target.length) throw new HttpProblem(400, `polygon ${p.polygonIndex} has no vertex ${p.vertexIndex}`);
  const out = slices.map((slice) => slice.map((polygon) => polygon.map((v) => [v[0], v[1]] as [number, number])));
  for (let ds = -p.neighbours3d; ds <= p.neighbours3d; ds += 1) {
    const polygon = out[p.sliceIndex + ds]?.[p.polygonIndex];
    if (!polygon || polygon.length === 0) continue;
    const sliceWeight = 1 - Math.abs(ds) / (p.neighbours3d + 1);
    const n = polygon.length;
    const span = Math.min(p.neighbours, Math.floor((n - 1) / 2));
    for (let dv = -span; dv <= span; dv += 1) {
      const index = (((p.vertexIndex + dv) % n) + n) % n;
      const weight = sliceWeight * (1 - Math.abs(dv) / (p.neighbours + 1));
      const v = polygon[index]!;
      polygon[index] = [Math.round(v[0] + p.offset[0] * weight), Math.round(v[1] + p.offset[1] * weight)];
    }
  }
  return out;
}
