import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@medaas/nifti-io';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { startChildServer, type ChildServer } from './helpers/child-server.js';
import { multipart, request, type RawReply } from './helpers/raw-http.js';

// Hostile polygon and point requests, each under a few kilobytes, against a server in a child process: a
// request that blocked its event loop would otherwise block this test too. Every hostile request must be
// answered (the request helper gives up after 10 s), and a normal request right after it must be served.
let server: ChildServer;
let image: Uint8Array;
const square = [
  [4, 4],
  [20, 4],
  [20, 20],
  [4, 20],
];

beforeAll(async () => {
  server = await startChildServer({ limits: { maxPoints: 200_000, maxPolygonVertices: 1000 } });
  image = await writeNifti(spherePhantom({ dims: [32, 32, 8], spheres: [{ center: [16, 16, 4], radius: 5, value: 1000 }] }).volume, {
    gzip: true,
  });
});

afterAll(async () => {
  await server?.close();
});

async function post(path: string, params: unknown): Promise<RawReply> {
  return request(server.port, 'POST', path, {
    body: multipart({ params: JSON.stringify(params) }, { datapoint: ['/tmp/image.nii.gz', image] }),
  });
}

/** A normal request right after a hostile one: the server did not hang and still computes. */
async function stillServes(): Promise<void> {
  expect((await request(server.port, 'GET', '/v1/models')).status).toBe(200);
  expect((await post('/v1/fixpolygon', fix3d({}))).status).toBe(200);
}

const fix3d = (extra: Record<string, unknown>): Record<string, unknown> => ({
  dimension: 3,
  poly: Array.from({ length: 8 }, () => [square]),
  polygon_index: 0,
  vertex_index: 0,
  slice_index: 4,
  vertex_offset: [2, 0],
  propagate_neighbor: 1,
  propagate_neighbor_3d: 1,
  ...extra,
});

describe('fixpolygon work is bounded by the image, not by the numbers in the request', () => {
  it('propagate_neighbor_3d = 2^53-1 is clamped to the image slices: the answer comes, every slice moved', async () => {
    const reply = await post('/v1/fixpolygon', fix3d({ propagate_neighbor_3d: Number.MAX_SAFE_INTEGER }));
    expect(reply.status).toBe(200);
    const params = JSON.parse(/\{"poly".*?\}(?=\r\n)/s.exec(reply.body.toString('latin1'))![0]) as { poly: number[][][][] };
    expect(params.poly).toHaveLength(8);
    // The weight falls off over 2^53 slices: every slice's vertex moved by the full (rounded) offset.
    expect(params.poly.map((slice) => slice[0]![0])).toEqual(Array.from({ length: 8 }, () => [6, 4]));
    await stillServes();
  });

  it('a vertex at x = 1e12 is a 400 naming the image bounds', async () => {
    const reply = await post(
      '/v1/fixpolygon',
      fix3d({
        poly: Array.from({ length: 8 }, () => [
          [
            [1e12, 4],
            [20, 4],
            [20, 20],
          ],
        ]),
      }),
    );
    expect(reply.status).toBe(400);
    expect(reply.json().error).toMatch(/poly\[0\]\[0\]\[0\] .*outside the image \(32x32\)/);
    await stillServes();
  });

  it('vertex_offset [1e12, 0] is a 400: it would move the vertex far outside the image', async () => {
    const reply = await post('/v1/fixpolygon', fix3d({ vertex_offset: [1e12, 0] }));
    expect(reply.status).toBe(400);
    expect(reply.json().error).toMatch(/vertex_offset .*larger than the image/);
    await stillServes();
  });

  it('more vertices than limits.maxPolygonVertices is a 413 with the limit', async () => {
    const big = Array.from({ length: 1001 }, (_, i) => [i % 32, Math.floor(i / 32)]);
    const reply = await post('/v1/fixpolygon', { dimension: 2, poly: [big], polygon_index: 0, vertex_index: 0, vertex_offset: [1, 0] });
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(/1001 vertices.*at most 1000/);
    await stillServes();
  });
});

describe('points: counts bounded, no spread of big arrays', () => {
  it('DEXTR3D with 130 000 points (within limits.maxPoints) answers 200: the box is found without spreading', async () => {
    const points = Array.from({ length: 130_000 }, (_, i) => [8 + (i % 17), 8 + (i % 13), 1 + (i % 6)]);
    const reply = await post('/v1/dextr3d?model=annotation_dextr3d', { points });
    expect(reply.status).toBe(200);
    await stillServes();
  });

  it('the default point limit (10 000) refuses 130 000 points with 413', async () => {
    await using defaults = await startChildServer();
    const points = Array.from({ length: 130_000 }, (_, i) => [i % 32, i % 32, i % 8]);
    const reply = await request(defaults.port, 'POST', '/v1/dextr3d?model=annotation_dextr3d', {
      body: multipart({ params: JSON.stringify({ points }) }, { image: ['a.nii.gz', image] }),
    });
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(/130000 points.*at most 10000/);
    expect((await request(defaults.port, 'GET', '/v1/models')).status).toBe(200);
  });

  it('a point nested 100 000 arrays deep is a 400, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = multipart({ params: `{"foreground": [${deep}]}` }, { image: ['a.nii.gz', image] });
    const reply = await request(server.port, 'POST', '/v1/deepgrow?model=deepgrow_3d', { body });
    expect(reply.status).toBe(400);
    expect(reply.json().error).toMatch(/nested more than 64 deep/);
    await stillServes();
  });
});

describe('property: random fixpolygon and dextr3d bodies never get a 500 and are always answered', () => {
  const coordinate = fc.oneof(
    fc.integer({ min: -40, max: 72 }),
    fc.double({ noNaN: true }),
    fc.constantFrom(1e12, -1e12, Number.MAX_SAFE_INTEGER, 0.5),
  );
  const vertex = fc.oneof(fc.tuple(coordinate, coordinate), fc.array(coordinate, { maxLength: 4 }), fc.constant('x'));
  const polygon = fc.array(vertex, { maxLength: 12 });
  const count = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 31, 1e300, -1, 0.5));

  it('fixpolygon', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            dimension: fc.constantFrom(2, 3, 4, '3'),
            poly: fc.oneof(fc.array(polygon, { maxLength: 4 }), fc.array(fc.array(polygon, { maxLength: 3 }), { maxLength: 10 })),
            polygon_index: count,
            vertex_index: count,
            slice_index: count,
            vertex_offset: fc.oneof(fc.tuple(coordinate, coordinate), fc.array(coordinate, { maxLength: 3 })),
            propagate_neighbor: count,
            propagate_neighbor_3d: count,
          },
          { requiredKeys: [] },
        ),
        async (params) => {
          const reply = await post('/v1/fixpolygon', params);
          expect(reply.status, reply.body.toString().slice(0, 200)).toBeLessThan(500);
        },
      ),
      { numRuns: 150, seed: 20_261_201 },
    );
    await stillServes();
  });

  it('dextr3d', async () => {
    const point = fc.oneof(fc.tuple(coordinate, coordinate, coordinate), fc.array(coordinate, { maxLength: 5 }), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(point, { maxLength: 40 }),
          fc.array(point, { minLength: 6, maxLength: 12 }).map((list) => JSON.stringify(list)),
          fc.constant('[[['),
          count,
        ),
        async (points) => {
          const reply = await post('/v1/dextr3d?model=annotation_dextr3d', { points });
          expect(reply.status, reply.body.toString().slice(0, 200)).toBeLessThan(500);
        },
      ),
      { numRuns: 150, seed: 20_261_202 },
    );
    await stillServes();
  });
});
