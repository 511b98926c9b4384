import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { createAiaaClient, MAX_POINTS } from '@medaas/aiaa-client';
import { prepareDextr3d } from '@medaas/aiaa-client/dextr3d';
import { startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server?.close();
});

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (e: unknown) => e,
  );
const image = new Uint8Array(4096).fill(7);

describe('points: bounded, and never spread into a call', () => {
  const codec = {
    decode: readNifti,
    encode: (volume: Parameters<typeof writeNifti>[0]) => writeNifti(volume),
  };
  const volume = {
    dims: [32, 32, 32],
    datatype: 'uint8' as const,
    data: new Uint8Array(32 ** 3),
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ] as const,
  };

  it('prepareDextr3d with 200 000 points is AIAA_INVALID_ARGUMENT (it was an untyped RangeError)', async () => {
    const bytes = await writeNifti(volume as never);
    const points = Array.from({ length: 200_000 }, (_, i) => [i % 32, (i >> 5) % 32, (i >> 10) % 32] as const);
    const error = await caught(prepareDextr3d(bytes, { points, codec: codec as never }));
    expect(error).toMatchObject({ code: 'AIAA_INVALID_ARGUMENT', details: { argument: 'points', count: 200_000, limit: MAX_POINTS } });
    // At the limit the box is right: every point of the grid, so the crop is the whole volume.
    const roi = await prepareDextr3d(bytes, {
      points: points.slice(0, MAX_POINTS),
      codec: codec as never,
      paddingMm: 0,
      roiSize: [8, 8, 8],
    });
    expect(roi.cropStart).toEqual([0, 0, 0]);
    expect(roi.cropSize).toEqual([32, 32, 10]);
  });

  it('client calls refuse too many points before sending anything', async () => {
    server.requests.length = 0;
    await using client = createAiaaClient({ baseUrl: server.url });
    const many = Array.from({ length: MAX_POINTS + 1 }, () => [1, 2, 3] as const);
    expect(await caught(client.dextr3d('m', image, { points: many }))).toMatchObject({
      code: 'AIAA_INVALID_ARGUMENT',
      details: { count: MAX_POINTS + 1 },
    });
    expect(await caught(client.deepgrow('m', image, { foreground: [[1, 2, 3]], background: many }))).toMatchObject({
      code: 'AIAA_INVALID_ARGUMENT',
    });
    expect(server.requests).toEqual([]);
  });
});
