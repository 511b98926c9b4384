import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { readNifti, writeNifti, type Volume } from '@medaas/nifti-io';
import { createAiaaClient, isAiaaSession, type AiaaClient, type VoxelPoint } from '@medaas/aiaa-client';
import { dextr3dWithPreprocessing, prepareDextr3d } from '@medaas/aiaa-client/dextr3d';
import { openImageFile } from '@medaas/aiaa-client/node';
import { dice, extremePointsOf, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';

let server: TestServer;
let client: AiaaClient;
let volume: Volume;
let truth: Uint8Array;
let image: Uint8Array;
let now = Date.now();

beforeAll(async () => {
  server = await startTestServer({ clock: () => now, sessions: { maxExpirySec: 120 } });
  client = createAiaaClient({ baseUrl: server.url });
  ({ volume, truth } = spherePhantom());
  image = await writeNifti(volume, { gzip: true });
});

afterAll(async () => {
  await client.close();
  await server.close();
});

/** Decodes a returned mask and checks it lies on the input's exact grid. */
async function maskOf(bytes: Uint8Array, like: Volume = volume): Promise<Volume> {
  const mask = await readNifti(bytes);
  expect(mask.dims).toEqual(like.dims);
  expect(mask.affine.flat().map((v) => Number(v.toFixed(4)))).toEqual(like.affine.flat().map((v) => Number(v.toFixed(4))));
  return mask;
}

describe('models', () => {
  it('lists every model, filters by type and label, and describes one with the C++ defaults', async () => {
    const all = await client.listModels();
    expect(all.map((m) => m.name)).toEqual([
      'segmentation_threshold',
      'annotation_dextr3d',
      'deepgrow_3d',
      'deepgrow_2d',
      'classification_intensity',
    ]);
    expect((await client.listModels({ type: 'deepgrow' })).map((m) => m.deepgrow)).toEqual(['3D', '2D']);
    expect((await client.listModels({ label: 'BRIGHT' })).map((m) => m.name)).toEqual(['classification_intensity']);
    expect(await client.listModels({ label: 'liver' })).toEqual([]);
    const dextr = await client.model('annotation_dextr3d');
    expect(dextr).toMatchObject({
      type: 'annotation',
      paddingMm: 20,
      roiSize: [128, 128, 128],
      sigma: 3,
      internalName: 'ExtremePointBoxEngine',
    });
  });

  it('reports an unknown model as AIAA_HTTP_STATUS 404 with the server message', async () => {
    const error = await client.model('nope').catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({ status: 404, serverMessage: 'unknown model "nope"' });
  });
});

describe('segmentation', () => {
  it('segments the sphere without a session; the mask is on the input grid; extreme points come back', async () => {
    const progress: { phase: string; loaded: number; total?: number | undefined }[] = [];
    const result = await client.segmentation('segmentation_threshold', image, { onProgress: (p) => progress.push(p) });
    const mask = await maskOf(result.mask);
    expect(dice(mask.data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    expect(result.points).toHaveLength(6);
    expect(result.fileName).toBe('mask.nii.gz');
    const upload = progress.filter((p) => p.phase === 'upload');
    expect(upload.at(-1)?.loaded).toBe(upload.at(-1)?.total);
    expect(upload.at(-1)!.loaded).toBeGreaterThan(image.byteLength);
    expect(progress.some((p) => p.phase === 'download')).toBe(true);
  });

  it('gives the same mask through a session, without re-sending the image', async () => {
    const session = await client.createSession(image, { expirySec: 60 });
    expect(isAiaaSession(session)).toBe(true);
    const before = server.stats().bytesReceived;
    const viaSession = await client.segmentation('segmentation_threshold', session);
    expect(server.stats().bytesReceived - before).toBeLessThan(1024);
    const direct = await client.segmentation('segmentation_threshold', image);
    expect((await readNifti(viaSession.mask)).data).toEqual((await readNifti(direct.mask)).data);
    await session.close();
  });

  it('streams the upload from a file opened as a Blob', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiaa-client-'));
    try {
      await writeFile(join(dir, 'ct.nii.gz'), image);
      const blob = await openImageFile(join(dir, 'ct.nii.gz'));
      const result = await client.segmentation('segmentation_threshold', blob);
      expect(dice((await maskOf(result.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
      const missing = await openImageFile(join(dir, 'missing.nii')).catch((e: unknown) => e);
      expect(isMedaasError(missing, 'AIAA_IO')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sessions', () => {
  it('creates, describes and closes a session; close is idempotent; a closed session answers 440', async () => {
    const session = await client.createSession(image);
    const info = await client.getSession(session);
    expect(info).toMatchObject({ session_id: session.id, image: { dims: [64, 60, 40] } });
    await session.close();
    await session.close();
    expect(session.closed).toBe(true);
    const error = await client.getSession(session.id).catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_SESSION_EXPIRED')).toBe(true);
    const reuse = await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]] }).catch((e: unknown) => e);
    expect(isMedaasError(reuse, 'AIAA_SESSION_EXPIRED')).toBe(true);
  });

  it('expires after min(requested, server maximum) seconds: 440 is AIAA_SESSION_EXPIRED', async () => {
    const session = await client.createSession(image, { expirySec: 10_000 });
    expect(session.info['expiry']).toBe(120);
    now += 119_000;
    await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]] });
    now += 2_000;
    const error = await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]] }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_SESSION_EXPIRED')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['status']).toBe(440);
    await session.close(); // already gone on the server: still counts as closed
    expect(session.closed).toBe(true);
  });

  it('attaches to a session by id', async () => {
    const session = await client.createSession(image);
    const again = client.attachSession(session.id);
    const result = await client.segmentation('segmentation_threshold', again);
    expect(dice((await maskOf(result.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    await again.close();
  });
});

describe('dextr3d', () => {
  const points = (): VoxelPoint[] => extremePointsOf(truth, volume.dims);

  it('segments from six extreme points on the full image (pre_process=False form), with and without a session', async () => {
    const direct = await client.dextr3d('annotation_dextr3d', image, { points: points() });
    expect(dice((await maskOf(direct.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    const session = await client.createSession(image);
    const viaSession = await client.dextr3d('annotation_dextr3d', session, { points: points() });
    expect(dice((await maskOf(viaSession.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    await session.close();
  });

  it('runs the official pre-processing with nifti-io as the codec: crop with padding in mm, ROI, paste back', async () => {
    const codec = { decode: (b: Uint8Array) => readNifti(b), encode: (v: Volume) => writeNifti(v, { gzip: true }) };
    const roi = await prepareDextr3d(image, { points: points(), codec, paddingMm: 6, roiSize: [48, 48, 32] });
    const roiVolume = await readNifti(roi.image);
    expect(roiVolume.dims).toEqual([48, 48, 32]);
    // 6 mm padding is 6 voxels along i (1 mm), 7.5 along j (0.8 mm), 4 along k (1.5 mm).
    expect(roi.cropStart).toEqual([30 - 11 - 6, 28 - 11 - 8, 20 - 11 - 4]);
    expect(roi.points.every((p) => p.every((v, a) => v >= 0 && v < [48, 48, 32][a]!))).toBe(true);
    const result = await dextr3dWithPreprocessing(client, 'annotation_dextr3d', {
      image,
      points: points(),
      codec,
      paddingMm: 6,
      roiSize: [48, 48, 32],
    });
    const mask = await maskOf(result.mask);
    expect(mask.datatype).toBe('uint8');
    expect(dice(mask.data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses fewer than six points before sending anything', async () => {
    const before = server.stats().requests;
    const error = await client.dextr3d('annotation_dextr3d', image, { points: points().slice(0, 5) }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_INVALID_ARGUMENT')).toBe(true);
    expect(server.stats().requests).toBe(before);
  });
});

describe('deepgrow', () => {
  it('3-D: grows the sphere from one click, with and without a session', async () => {
    const direct = await client.deepgrow('deepgrow_3d', image, { foreground: [[30, 28, 20]] });
    expect(dice((await maskOf(direct.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    expect(direct.crop).toEqual([
      [19, 41],
      [17, 39],
      [9, 31],
    ]);
    const session = await client.createSession(image);
    const viaSession = await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
    expect(dice((await maskOf(viaSession.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    await session.close();
  });

  it('3-D: one click stays out of a touching structure five noise levels darker; near-equal ones need a background click', async () => {
    const distinct = spherePhantom({
      noise: 15,
      spheres: [
        { center: [40, 30, 20], radius: 12, value: 920 },
        { center: [22, 30, 20], radius: 9, value: 1000 },
      ],
    });
    const one = await client.deepgrow('deepgrow_3d', await writeNifti(distinct.volume), { foreground: [[22, 30, 20]] });
    expect(dice((await readNifti(one.mask)).data as Uint8Array, distinct.truth, 2)).toBeGreaterThanOrEqual(0.95);
    // Two noise levels apart: the growth runs on into the neighbour until a background click marks it.
    const twin = spherePhantom({
      noise: 15,
      spheres: [
        { center: [40, 30, 20], radius: 12, value: 970 },
        { center: [22, 30, 20], radius: 9, value: 1000 },
      ],
    });
    const bytes = await writeNifti(twin.volume);
    const fgOnly = await client.deepgrow('deepgrow_3d', bytes, { foreground: [[22, 30, 20]] });
    expect(dice((await readNifti(fgOnly.mask)).data as Uint8Array, twin.truth, 2)).toBeLessThan(0.8);
    const withBg = await client.deepgrow('deepgrow_3d', bytes, { foreground: [[22, 30, 20]], background: [[44, 30, 20]] });
    expect(dice((await readNifti(withBg.mask)).data as Uint8Array, twin.truth, 2)).toBeGreaterThanOrEqual(0.95);
  });

  it('3-D with a spatial size: the reply crop is the box around the current point, and nothing lies outside it', async () => {
    const result = await client.deepgrow('deepgrow_3d', image, {
      foreground: [[30, 28, 20]],
      currentPoint: [30, 28, 20],
      spatialSize: [10, 10, 10],
    });
    expect(result.crop).toEqual([
      [25, 34],
      [23, 32],
      [15, 24],
    ]);
    const mask = (await maskOf(result.mask)).data as Uint8Array;
    let outside = 0;
    let inside = 0;
    mask.forEach((v, i) => {
      if (!v) return;
      const [x, y, z] = [i % 64, Math.floor(i / 64) % 60, Math.floor(i / 3840)];
      if (x < 25 || x > 34 || y < 23 || y > 32 || z < 15 || z > 24) outside += 1;
      else inside += 1;
    });
    expect(outside).toBe(0);
    expect(inside).toBe(1000);
  });

  it('2-D: segments only the current slice', async () => {
    const result = await client.deepgrow('deepgrow_2d', image, { foreground: [[30, 28, 20]], currentPoint: [30, 28, 20] });
    const mask = (await maskOf(result.mask)).data as Uint8Array;
    const slice = 64 * 60;
    const onSlice = mask.subarray(20 * slice, 21 * slice);
    expect(mask.reduce((n, v) => n + v, 0)).toBe(onSlice.reduce((n, v) => n + v, 0));
    expect(dice(onSlice, truth.subarray(20 * slice, 21 * slice))).toBeGreaterThanOrEqual(0.95);
  });
});

describe('inference', () => {
  it('returns a mask for image models and JSON for classification, with and without a session', async () => {
    const seg = await client.inference('segmentation_threshold', image);
    expect(seg.kind).toBe('mask');
    if (seg.kind === 'mask') expect(dice((await maskOf(seg.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    const grow = await client.inference('deepgrow_3d', image, { params: { foreground: [[30, 28, 20]], background: [] } });
    expect(grow.kind).toBe('mask');
    const session = await client.createSession(image);
    const cls = await client.inference('classification_intensity', session);
    expect(cls).toMatchObject({ kind: 'json', value: { prediction: 'dark' } });
    await session.close();
  });
});

describe('polygons', () => {
  it('mask2polygon gives one list per slice; fixpolygon with no offset rasterizes back the same mask', async () => {
    const seg = await client.segmentation('segmentation_threshold', image);
    const mask = await readNifti(seg.mask);
    const polygons = await client.maskToPolygons(seg.mask);
    expect(polygons).toHaveLength(40);
    expect(polygons[0]).toEqual([]);
    expect(polygons[20]!.length).toBeGreaterThanOrEqual(1);
    const fixed = await client.fixPolygon(image, {
      dimension: 3,
      polygons,
      sliceIndex: 20,
      polygonIndex: 0,
      vertexIndex: 0,
      vertexOffset: [0, 0],
    });
    expect((await maskOf(fixed.mask)).data).toEqual(mask.data);
    expect(fixed.polygons).toEqual(polygons);
  });

  it('fixpolygon moves the vertex and its neighbours in 2-D', async () => {
    const slice = await writeNifti({ dims: [32, 32], datatype: 'uint8', data: new Uint8Array(32 * 32), affine: volume.affine });
    const square: [number, number][] = [
      [8, 8],
      [20, 8],
      [20, 20],
      [8, 20],
    ];
    const result = await client.fixPolygon(slice, {
      dimension: 2,
      polygons: [square],
      polygonIndex: 0,
      vertexIndex: 2,
      vertexOffset: [4, 4],
      propagateNeighbor: 1,
    });
    expect(result.polygons).toEqual([
      [
        [8, 8],
        [22, 10],
        [24, 24],
        [10, 22],
      ],
    ]);
    const mask = (await readNifti(result.mask)).data as Uint8Array;
    expect(mask[24 * 32 + 24]).toBe(1);
    expect(mask[5 * 32 + 5]).toBe(0);
    expect(mask[15 * 32 + 15]).toBe(1);
  });
});

describe('transport', () => {
  it('keeps the base URL path (a server mounted under a prefix)', async () => {
    await using prefixed = await startTestServer({ basePath: '/aiaa/v0' });
    await using viaPrefix = createAiaaClient({ baseUrl: `${prefixed.url}/` });
    expect((await viaPrefix.listModels()).length).toBe(5);
  });

  it('rejects with the caller’s abort reason, before and during a call', async () => {
    const reason = new Error('user cancelled');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(client.listModels({ signal: controller.signal })).rejects.toBe(reason);
    const during = new AbortController();
    const pending = client.segmentation('segmentation_threshold', image, { signal: during.signal, onProgress: () => during.abort(reason) });
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses calls after close, and bad base URLs', async () => {
    const closed = createAiaaClient({ baseUrl: server.url });
    await closed.close();
    await closed.close();
    await expect(closed.listModels()).rejects.toMatchObject({ code: 'AIAA_CLIENT_CLOSED' });
    expect(() => createAiaaClient({ baseUrl: 'ftp://127.0.0.1/' })).toThrow(expect.objectContaining({ code: 'AIAA_INVALID_ARGUMENT' }));
    expect(() => createAiaaClient({ baseUrl: 'http://u:secret@127.0.0.1/' })).toThrow(
      expect.objectContaining({ code: 'AIAA_INVALID_ARGUMENT' }),
    );
  });
});
