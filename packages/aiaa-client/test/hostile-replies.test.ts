import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';
import { createMonaiLabelClient, type MonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

// A real HTTP server answers every call of both clients with generated replies: any JSON value, a
// multipart reply with generated params and parts, odd content types, cut bodies. Whatever comes back,
// each call resolves or rejects with a MedaasError; nothing else escapes.

/** One generated reply. */
const reply = fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 400, 401, 404, 409, 429, 440, 500, 503),
  body: fc.oneof(
    fc.jsonValue().map((value) => ({ type: 'application/json', text: JSON.stringify(value) ?? 'null' })),
    fc.string().map((text) => ({ type: 'application/json', text })),
    fc.tuple(fc.jsonValue(), fc.uint8Array({ maxLength: 64 }), fc.boolean()).map(([params, file, named]) => ({
      type: 'multipart/form-data; boundary=Zz',
      text: `--Zz\r\nContent-Disposition: form-data; name="params"\r\n\r\n${JSON.stringify(params)}\r\n--Zz\r\nContent-Disposition: form-data; name="f"${named ? '; filename="m.nii.gz"' : ''}\r\n\r\n${Buffer.from(file).toString('latin1')}\r\n--Zz--\r\n`,
    })),
    fc
      .tuple(
        fc.constantFrom('text/plain', 'text/html', 'application/octet-stream', '', 'multipart/mixed', 'application/problem+json'),
        fc.string(),
      )
      .map(([type, text]) => ({ type, text })),
  ),
  cut: fc.option(fc.nat(200), { nil: undefined }),
});
type Reply = typeof reply extends fc.Arbitrary<infer T> ? T : never;

let server: RecordingServer;
let current: Reply | undefined;
let aiaa: AiaaClient;
let monai: MonaiLabelClient;

beforeAll(async () => {
  server = await startRecordingServer((_r, res: ServerResponse) => {
    const r = current!;
    const bytes = Buffer.from(r.body.text, 'latin1');
    res.writeHead(r.status, r.body.type ? { 'content-type': r.body.type } : {});
    res.end(r.cut === undefined ? bytes : bytes.subarray(0, r.cut));
  });
  const options = { baseUrl: server.url, retry: false as const, metadataTimeoutMs: 5000, timeoutMs: 5000 };
  aiaa = createAiaaClient(options);
  monai = createMonaiLabelClient(options);
});
afterAll(async () => {
  await aiaa?.close();
  await monai?.close();
  await server?.close();
});

const image = new Uint8Array(64).fill(3);
const calls: Record<string, () => Promise<unknown>> = {
  'aiaa listModels': () => aiaa.listModels(),
  'aiaa model': () => aiaa.model('m'),
  'aiaa createSession': () => aiaa.createSession(image),
  'aiaa getSession': () => aiaa.getSession('s1'),
  'aiaa segmentation': () => aiaa.segmentation('m', image),
  'aiaa dextr3d': () =>
    aiaa.dextr3d('m', image, {
      points: [
        [1, 1, 1],
        [2, 2, 2],
        [3, 3, 3],
        [4, 4, 4],
        [5, 5, 5],
        [6, 6, 6],
      ],
    }),
  'aiaa deepgrow': () => aiaa.deepgrow('m', image, { foreground: [[1, 2, 3]] }),
  'aiaa inference': () => aiaa.inference('m', image),
  'aiaa maskToPolygons': () => aiaa.maskToPolygons(image),
  'aiaa fixPolygon': () =>
    aiaa.fixPolygon(image, {
      dimension: 2,
      polygons: [
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      ],
      polygonIndex: 0,
      vertexIndex: 0,
      vertexOffset: [1, 1],
    }),
  'aiaa getModelConfig': () => aiaa.getModelConfig('m'),
  'monai info': () => monai.info(),
  'monai authInfo': () => monai.authInfo(),
  'monai datastoreStats': () => monai.datastoreStats(),
  'monai datastoreContents': () => monai.datastoreContents(),
  'monai trainingDatalist': () => monai.trainingDatalist(),
  'monai uploadImage': () => monai.uploadImage(image, { id: 'case1' }),
  'monai hasImage': () => monai.hasImage('case1'),
  'monai imageInfo': () => monai.imageInfo('case1'),
  'monai saveLabel': () => monai.saveLabel('case1', image),
  'monai downloadImage': () => monai.downloadImage('case1'),
  'monai infer': () => monai.infer('segmentation', 'case1'),
  'monai segment': () => monai.segment('segmentation', 'case1'),
  'monai modelInfo': () => monai.modelInfo('segmentation'),
  'monai nextSample': () => monai.nextSample('random'),
  'monai trainingStatus': () => monai.trainingStatus(),
  'monai startTraining': () => monai.startTraining('segmentation'),
  'monai stopTraining': () => monai.stopTraining(),
  'monai createSession': () => monai.createSession(image),
  'monai getSession': () => monai.getSession('s1'),
  'monai logs': () => monai.logs(),
};

describe('hostile replies to every call of both clients', () => {
  it('resolve, or reject with a MedaasError', async () => {
    const names = Object.keys(calls);
    const tally = { tried: 0, resolved: 0, typed: 0, untyped: [] as string[] };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), reply, async (name, generated) => {
        current = generated;
        tally.tried += 1;
        try {
          await calls[name]!();
          tally.resolved += 1;
        } catch (error) {
          if (isMedaasError(error)) tally.typed += 1;
          else tally.untyped.push(`${name}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300));
        }
      }),
      { numRuns: 1500, seed: 7, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: false },
    );
    console.log(
      `hostile replies: ${tally.tried} calls, ${tally.resolved} resolved, ${tally.typed} typed errors, ${tally.untyped.length} untyped`,
    );
    expect(tally.untyped).toEqual([]);
    expect(tally.tried).toBeGreaterThan(1000);
    expect(tally.resolved).toBeGreaterThan(0);
  });
});

describe('model(name) when the server lists other models', () => {
  it('is AIAA_MODEL_NOT_FOUND naming the model, with no HTTP status made up', async () => {
    current = {
      status: 200,
      body: {
        type: 'application/json',
        text: JSON.stringify([
          { name: 'liver', labels: ['liver'], type: 'segmentation', description: '', version: '1' },
          { name: 'spleen', labels: ['spleen'], type: 'segmentation', description: '', version: '1' },
        ]),
      },
      cut: undefined,
    };
    const error = await aiaa.model('pancreas').catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_MODEL_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe('model: the server has no model "pancreas" (it listed liver, spleen)');
    expect((error as { details: Record<string, unknown> }).details).toEqual({ model: 'pancreas' });
  });
});
