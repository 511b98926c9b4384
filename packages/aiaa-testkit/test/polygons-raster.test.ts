import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rasterize, rasterSteps, type Polygon } from '../src/polygons.js';

/**
 * The straightforward rasterizer the scanline one replaced, kept as the oracle: every row against every
 * edge, every edge sampled end to end. Exact, and slow only for hostile coordinates.
 */
function reference(polygons: readonly Polygon[], nx: number, ny: number): Uint8Array {
  const out = new Uint8Array(nx * ny);
  for (const polygon of polygons) {
    const n = polygon.length;
    if (n === 0) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of polygon) {
      lo = Math.min(lo, v[1]);
      hi = Math.max(hi, v[1]);
    }
    for (let y = Math.max(0, Math.ceil(lo)); y <= Math.min(ny - 1, Math.floor(hi)); y += 1) {
      const xs: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const [ax, ay] = polygon[i]!;
        const [bx, by] = polygon[(i + 1) % n]!;
        if ((ay <= y && y < by) || (by <= y && y < ay)) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        for (let x = Math.max(0, Math.ceil(xs[k]!)); x <= Math.min(nx - 1, Math.floor(xs[k + 1]!)); x += 1) out[y * nx + x] = 1;
      }
    }
    for (let i = 0; i < n; i += 1) {
      const a = polygon[i]!;
      const b = polygon[(i + 1) % n]!;
      const steps = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
      for (let s = 0; s <= steps; s += 1) {
        const x = Math.round(a[0] + ((b[0] - a[0]) * s) / steps);
        const y = Math.round(a[1] + ((b[1] - a[1]) * s) / steps);
        if (x >= 0 && y >= 0 && x < nx && y < ny) out[y * nx + x] = 1;
      }
    }
  }
  return out;
}

describe('rasterize', () => {
  it('fills exactly what the straightforward rasterizer fills, inside the image and across its edges', () => {
    const coordinate = (n: number) => fc.oneof(fc.integer({ min: -8, max: n + 8 }), fc.double({ min: -8, max: n + 8, noNaN: true }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.array(fc.array(fc.tuple(coordinate(24), coordinate(24)), { maxLength: 9 }), { maxLength: 3 }),
        (nx, ny, polygons) => {
          const out = new Uint8Array(nx * ny);
          rasterize(polygons as Polygon[], nx, ny, out, 0);
          expect(out).toEqual(reference(polygons as Polygon[], nx, ny));
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('takes work bounded by the image, not by the coordinates: an edge a trillion pixels long is cheap', () => {
    const polygon: Polygon = [
      [-1e12, 3],
      [1e12, 5],
      [4, 1e12],
    ];
    expect(rasterSteps([polygon], 32, 32)).toBeLessThan(32 * 32 + 3 * 2 * 40);
    const out = new Uint8Array(32 * 32);
    rasterize([polygon], 32, 32, out, 0);
    expect(out.some((v) => v === 1)).toBe(true);
  });
});
