import { preview } from './bounded-json.js';
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
 * that many. Holes are not traced. Empty slices give `[]`. An answer of more than `maxVertices` vertices is
 * refused with 413 as soon as the count passes it (a noisy mask of a big image has millions of regions).
 */
export function maskToPolygons(grid: Grid, pointRatio: number, maxVertices: number): Polygon[][] {
  const { nx, ny, nz } = grid;
  const out: Polygon[][] = [];
  let vertices = 0;
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
        const kept = pointRatio > 1 ? contour.filter((_, i) => i % pointRatio === 0) : contour;
        vertices += kept.length;
        if (vertices > maxVertices)
          throw new HttpProblem(
            413,
            `the polygons of this mask have more than ${maxVertices} vertices (limits.maxPolygonVertices); send a larger more_points`,
          );
        polygons.push(kept);
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

/** The limits of a polygon request: counts, how far outside the image vertices may lie, and the rasterizing work. */
export interface PolygonLimits {
  readonly maxPolygons: number;
  readonly maxPolygonVertices: number;
  readonly polygonMarginPx: number;
  readonly maxRasterSteps: number;
}

/**
 * Fills polygons into one slice: interiors by the even-odd rule at pixel centres, plus their edges. Each
 * polygon's rows are scanned with an active-edge list, and each edge is drawn only where it lies in the
 * image, so the work is what {@link rasterSteps} counts, whatever the coordinates.
 */
export function rasterize(polygons: readonly Polygon[], nx: number, ny: number, out: Uint8Array, offset: number): void {
  for (const polygon of polygons) {
    const n = polygon.length;
    if (n === 0) continue;
    fillPolygon(polygon, nx, ny, out, offset);
    for (let i = 0; i < n; i += 1) line(polygon[i]!, polygon[(i + 1) % n]!, nx, ny, out, offset);
  }
}

/**
 * An upper bound of the steps {@link rasterize} takes for polygons on an `nx` x `ny` slice: per polygon the
 * area of its bounding box within the image (filling), per edge the image rows it crosses and the samples
 * drawn along it within the image. Computed in one pass over the vertices, before any is drawn.
 */
export function rasterSteps(polygons: readonly Polygon[], nx: number, ny: number): number {
  let steps = 0;
  for (const polygon of polygons) {
    const n = polygon.length;
    if (n === 0) continue;
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i += 1) {
      const [ax, ay] = polygon[i]!;
      const by = polygon[(i + 1) % n]![1];
      if (ax < minX) minX = ax;
      if (ax > maxX) maxX = ax;
      if (ay < minY) minY = ay;
      if (ay > maxY) maxY = ay;
      if (ay !== by) {
        const [first, last] = edgeRows(ay, by, 0, ny - 1);
        steps += Math.max(0, last - first + 1);
      }
      const range = sampleRange(polygon[i]!, polygon[(i + 1) % n]!, nx, ny);
      steps += range ? range[1] - range[0] + 1 : 0;
    }
    const width = Math.min(nx - 1, Math.floor(maxX)) - Math.max(0, Math.ceil(minX)) + 1;
    const height = Math.min(ny - 1, Math.floor(maxY)) - Math.max(0, Math.ceil(minY)) + 1;
    if (width > 0 && height > 0) steps += width * height;
  }
  return steps;
}

/** The integer rows `y` with `min(ay, by) <= y < max(ay, by)` (the rows an edge crosses), within `[lo, hi]`. */
function edgeRows(ay: number, by: number, lo: number, hi: number): [number, number] {
  return [Math.max(lo, Math.ceil(Math.min(ay, by))), Math.min(hi, Math.ceil(Math.max(ay, by)) - 1)];
}

/** Even-odd fill of one polygon at pixel centres, row by row over the edges that cross each row. */
function fillPolygon(polygon: Polygon, nx: number, ny: number, out: Uint8Array, offset: number): void {
  const n = polygon.length;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const v of polygon) {
    if (v[1] < minY) minY = v[1];
    if (v[1] > maxY) maxY = v[1];
  }
  const y0 = Math.max(0, Math.ceil(minY));
  const y1 = Math.min(ny - 1, Math.floor(maxY));
  if (y0 > y1) return;
  // Edges that cross at least one row, by their first row.
  const edges: { first: number; last: number; ax: number; ay: number; bx: number; by: number }[] = [];
  for (let i = 0; i < n; i += 1) {
    const [ax, ay] = polygon[i]!;
    const [bx, by] = polygon[(i + 1) % n]!;
    if (ay === by) continue;
    const [first, last] = edgeRows(ay, by, y0, y1);
    if (first <= last) edges.push({ first, last, ax, ay, bx, by });
  }
  edges.sort((a, b) => a.first - b.first);
  let active: typeof edges = [];
  let next = 0;
  const xs: number[] = [];
  for (let y = y0; y <= y1; y += 1) {
    if (active.length === 0) {
      if (next >= edges.length) return;
      // No edge crosses the rows in between: jump to the next one that does.
      if (edges[next]!.first > y) y = edges[next]!.first;
    }
    while (next < edges.length && edges[next]!.first <= y) active.push(edges[next++]!);
    active = active.filter((e) => e.last >= y);
    xs.length = 0;
    for (const e of active) xs.push(e.ax + ((y - e.ay) * (e.bx - e.ax)) / (e.by - e.ay));
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const last = Math.min(nx - 1, Math.floor(xs[k + 1]!));
      for (let x = Math.max(0, Math.ceil(xs[k]!)); x <= last; x += 1) out[offset + y * nx + x] = 1;
    }
  }
}

/**
 * The samples `s` of a segment's line (`steps = max(|dx|, |dy|, 1)` samples, rounded) whose point may round
 * into the image, found by clipping the segment to the image's pixel area with half a pixel to spare;
 * `undefined` when none can. The range is never larger than the image's size along the segment.
 */
function sampleRange(a: readonly [number, number], b: readonly [number, number], nx: number, ny: number): [number, number] | undefined {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const steps = Math.max(Math.abs(dx), Math.abs(dy), 1);
  // Liang-Barsky against [-1, nx] x [-1, ny]: a little wider than the pixels, so no point that rounds inside is lost.
  let t0 = 0;
  let t1 = 1;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
    return true;
  };
  if (!clip(-dx, a[0] + 1) || !clip(dx, nx - a[0]) || !clip(-dy, a[1] + 1) || !clip(dy, ny - a[1])) return undefined;
  const first = Math.max(0, Math.floor(t0 * steps) - 1);
  const last = Math.min(Math.ceil(steps), Math.ceil(t1 * steps) + 1);
  return first <= last ? [first, last] : undefined;
}

function line(a: [number, number], b: [number, number], nx: number, ny: number, out: Uint8Array, offset: number): void {
  const range = sampleRange(a, b, nx, ny);
  if (!range) return;
  const steps = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
  for (let s = range[0]; s <= range[1] && s <= steps; s += 1) {
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

/**
 * Reads and checks fixpolygon params for an `nx` x `ny` image: 400 for anything malformed or out of range
 * (a vertex more than `polygonMarginPx` outside the image, an offset larger than the image), 413 for more
 * polygons or vertices than the limits allow (counted while checking, so a huge list is not walked twice).
 */
export function fixPolygonParams(
  params: Record<string, unknown>,
  size: { readonly nx: number; readonly ny: number },
  limits: PolygonLimits,
): FixPolygonParams {
  const dimension = params['dimension'] === 3 ? 3 : params['dimension'] === 2 || params['dimension'] === undefined ? 2 : undefined;
  if (!dimension) throw new HttpProblem(400, 'dimension must be 2 or 3');
  const int = (key: string, fallback?: number): number => {
    const v = params[key] ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new HttpProblem(400, `${key} must be a non-negative whole number`);
    return v as number;
  };
  const { nx, ny } = size;
  const margin = limits.polygonMarginPx;
  const offset = params['vertex_offset'];
  if (!Array.isArray(offset) || offset.length !== 2 || !offset.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new HttpProblem(400, 'vertex_offset must be [dx, dy]');
  }
  if (Math.abs(offset[0]) > nx + margin || Math.abs(offset[1]) > ny + margin) {
    throw new HttpProblem(
      400,
      `vertex_offset ${preview(offset)} is larger than the image (${nx}x${ny}) and its ${margin}-pixel margin (limits.polygonMarginPx)`,
    );
  }
  const poly = params['poly'];
  let polygons = 0;
  let vertices = 0;
  const badShape = (): never => {
    throw new HttpProblem(400, dimension === 2 ? 'poly must be a list of polygons' : 'poly must be a list of polygon lists, one per slice');
  };
  const checkPolygon = (p: unknown, where: string): void => {
    if (!Array.isArray(p)) badShape();
    polygons += 1;
    vertices += (p as unknown[]).length;
    if (polygons > limits.maxPolygons) throw new HttpProblem(413, `poly has more than ${limits.maxPolygons} polygons (limits.maxPolygons)`);
    if (vertices > limits.maxPolygonVertices)
      throw new HttpProblem(
        413,
        `poly has ${countVertices(poly, dimension)} vertices, at most ${limits.maxPolygonVertices} are allowed (limits.maxPolygonVertices)`,
      );
    (p as unknown[]).forEach((v, index) => {
      if (
        !Array.isArray(v) ||
        v.length < 2 ||
        typeof v[0] !== 'number' ||
        typeof v[1] !== 'number' ||
        !Number.isFinite(v[0]) ||
        !Number.isFinite(v[1])
      )
        badShape();
      const [x, y] = v as [number, number];
      if (x < -margin || y < -margin || x > nx - 1 + margin || y > ny - 1 + margin) {
        throw new HttpProblem(
          400,
          `${where}[${index}] ${preview(v)} lies outside the image (${nx}x${ny}) and its ${margin}-pixel margin (limits.polygonMarginPx)`,
        );
      }
    });
  };
  if (!Array.isArray(poly)) badShape();
  (poly as unknown[]).forEach((entry, s) => {
    if (dimension === 2) return checkPolygon(entry, `poly[${s}]`);
    if (!Array.isArray(entry)) badShape();
    (entry as unknown[]).forEach((p, i) => checkPolygon(p, `poly[${s}][${i}]`));
  });
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

/** The vertices of a poly list, for the 413's message (its shape is checked as far as the limit already). */
function countVertices(poly: unknown, dimension: 2 | 3): number {
  let total = 0;
  for (const entry of poly as unknown[]) {
    if (!Array.isArray(entry)) continue;
    if (dimension === 2) total += entry.length;
    else for (const p of entry) if (Array.isArray(p)) total += p.length;
  }
  return total;
}

/**
 * fixpolygon: moves one vertex by the offset; `neighbours` vertices on each side follow with a weight that
 * falls linearly (1 - d / (n + 1)); in 3-D the same vertex of the same polygon on `neighbours3d` slices on each
 * side follows the same way (only the slices there are: the loop never runs past the first or last).
 * Returns the updated polygons (slices of 2-D polygon lists).
 */
export function fixPolygons(slices: Polygon[][], p: FixPolygonParams): Polygon[][] {
  const target = slices[p.sliceIndex]?.[p.polygonIndex];
  if (!target) throw new HttpProblem(400, `there is no polygon ${p.polygonIndex}${p.dimension === 3 ? ` on slice ${p.sliceIndex}` : ''}`);
  if (p.vertexIndex >= target.length) throw new HttpProblem(400, `polygon ${p.polygonIndex} has no vertex ${p.vertexIndex}`);
  const out = slices.map((slice) => slice.map((polygon) => polygon.map((v) => [v[0], v[1]] as [number, number])));
  const firstSlice = Math.max(-p.neighbours3d, -p.sliceIndex);
  const lastSlice = Math.min(p.neighbours3d, out.length - 1 - p.sliceIndex);
  for (let ds = firstSlice; ds <= lastSlice; ds += 1) {
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
