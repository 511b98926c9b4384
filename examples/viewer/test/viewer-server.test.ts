import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { dice, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { parseDeepgrowClicks, MAX_CLICKS } from '../src/clicks.js';
import { requestDeepgrow } from '../src/deepgrow-request.js';
import { DEMO_SPHERES, demoPhantom } from '../src/demo-phantom.js';
import { renderIndexHtml } from '../src/index-html.js';
import { startViewerServer, type ViewerServer } from '../src/viewer-server.js';

const { volume, truth } = demoPhantom();
const page = { html: renderIndexHtml({ title: 'test <page>' }), script: 'export {};' };
let image: Uint8Array;
let aiaa: TestServer;
let viewer: ViewerServer;
let now = 0;

beforeAll(async () => {
  image = await writeNifti(volume, { gzip: true });
  aiaa = await startTestServer({ clock: () => now });
  viewer = await startViewerServer({ serverUrl: aiaa.url, image, page });
});
afterAll(async () => {
  await viewer?.close();
  await aiaa?.close();
});

const api = (): string => new URL('api/deepgrow', viewer.url).href;
const post = (body: string): Promise<Response> => fetch(api(), { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('startViewerServer', () => {
  it('serves the page, its script and the image on one loopback origin, and picks the 3-D DeepGrow model', async () => {
    expect(viewer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(viewer.model).toBe('deepgrow_3d');
    const html = await fetch(viewer.url);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('<title>test &lt;page></title>');
    expect(await (await fetch(new URL('viewer.js', viewer.url))).text()).toBe('export {};');
    const served = new Uint8Array(await (await fetch(new URL('volume', viewer.url))).arrayBuffer());
    expect(served).toEqual(image);
    expect((await fetch(new URL('nothing', viewer.url))).status).toBe(404);
    expect((await fetch(api())).status).toBe(405);
  });

  it('runs DeepGrow through aiaa-client with one session: the mask lies on the image grid, on the clicked structure', async () => {
    const before = aiaa.stats().bytesReceived;
    const first = await requestDeepgrow(api(), { foreground: [DEMO_SPHERES.isolated.center], background: [] });
    const second = await requestDeepgrow(api(), { foreground: [DEMO_SPHERES.isolated.center], background: [[2, 2, 2]] });
    const mask = await readNifti(first);
    expect(mask.dims).toEqual(volume.dims);
    expect(dice(mask.data as Uint8Array, truth, 1)).toBeGreaterThanOrEqual(0.9);
    expect((await readNifti(second)).data).toEqual(mask.data);
    // The image went up once (as the session), not once per click.
    expect(aiaa.stats().bytesReceived - before).toBeLessThan(image.byteLength + 8192);
  });

  it('uploads the image again when the AIAA session has expired, and the click still succeeds', async () => {
    await requestDeepgrow(api(), { foreground: [DEMO_SPHERES.target.center], background: [] });
    now += 24 * 3600 * 1000;
    const before = aiaa.stats().bytesReceived;
    const mask = await readNifti(await requestDeepgrow(api(), { foreground: [DEMO_SPHERES.isolated.center], background: [] }));
    expect(dice(mask.data as Uint8Array, truth, 1)).toBeGreaterThanOrEqual(0.9);
    expect(aiaa.stats().bytesReceived - before).toBeGreaterThan(image.byteLength);
  });

  it('answers malformed, out-of-image and oversized requests with 4xx and a code, and keeps serving', async () => {
    const cases: [string, number][] = [
      ['not json', 400],
      ['[]', 400],
      ['{"foreground": []}', 400],
      ['{"foreground": [[72, 0, 0]]}', 400],
      ['{"foreground": [[0, 0, -1]]}', 400],
      ['{"foreground": [[1.5, 0, 0]]}', 400],
      ['{"foreground": [[1, 1, 1]], "background": "x"}', 400],
      [JSON.stringify({ foreground: Array.from({ length: MAX_CLICKS + 1 }, () => [1, 1, 1]) }), 400],
      [JSON.stringify({ foreground: [[1, 1, 1]], pad: 'x'.repeat(70_000) }), 413],
    ];
    for (const [body, status] of cases) {
      const response = await post(body);
      expect(response.status, body.slice(0, 40)).toBe(status);
      const answer = (await response.json()) as { code: string; error: string };
      expect(answer.code).toMatch(/^VIEWER_/);
      expect(answer.error.length).toBeGreaterThan(0);
    }
    expect((await post(JSON.stringify({ foreground: [DEMO_SPHERES.isolated.center] }))).status).toBe(200);
  });

  it('turns an AIAA failure into 502 with the AIAA code, which requestDeepgrow reports as VIEWER_HTTP_STATUS', async () => {
    const gone = await startTestServer();
    const orphan = await startViewerServer({ serverUrl: gone.url, image, page, model: 'deepgrow_3d' });
    await gone.close();
    try {
      const raw = await fetch(new URL('api/deepgrow', orphan.url), { method: 'POST', body: JSON.stringify({ foreground: [[1, 1, 1]] }) });
      expect(raw.status).toBe(502);
      expect(((await raw.json()) as { code: string }).code).toBe('AIAA_CONNECTION');
      const error = await requestDeepgrow(new URL('api/deepgrow', orphan.url), { foreground: [[1, 1, 1]], background: [] }).catch(
        (e: unknown) => e,
      );
      expect(isMedaasError(error, 'VIEWER_HTTP_STATUS')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details['status']).toBe(502);
      expect((error as { details: Record<string, unknown> }).details['serverCode']).toBe('AIAA_CONNECTION');
      expect((error as Error).message).toContain('createSession');
    } finally {
      await orphan.close();
      await orphan.close();
    }
  });

  it('on a MONAI Label server: the same page, one datastore upload, the clicked structure; the image is sent again only if the datastore loses it', async () => {
    await using monai = await startTestServer({ protocol: 'monai-label' });
    await using ml = await startViewerServer({ serverUrl: monai.url, image, page });
    expect(ml.protocol).toBe('monai-label');
    expect(ml.model).toBe('deepgrow_3d');
    const url = new URL('api/deepgrow', ml.url);
    const before = monai.stats().bytesReceived;
    const first = await readNifti(await requestDeepgrow(url, { foreground: [DEMO_SPHERES.isolated.center], background: [] }));
    const second = await readNifti(
      await requestDeepgrow(url, { foreground: [DEMO_SPHERES.target.center], background: [DEMO_SPHERES.neighbour.center] }),
    );
    expect(dice(first.data as Uint8Array, truth, 1)).toBeGreaterThanOrEqual(0.9);
    expect(dice(second.data as Uint8Array, truth, 2)).toBeGreaterThanOrEqual(0.9);
    expect(monai.stats().bytesReceived - before).toBeLessThan(image.byteLength + 8192);
    // The same masks as through the AIAA server.
    const viaAiaa = await readNifti(await requestDeepgrow(api(), { foreground: [DEMO_SPHERES.isolated.center], background: [] }));
    expect(first.data).toEqual(viaAiaa.data);
  });

  it('refuses a non-loopback host, a non-NIfTI image and an AIAA server without DeepGrow models', async () => {
    const codeOf = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => 'resolved',
        (e: unknown) => (isMedaasError(e) ? e.code : e),
      );
    expect(await codeOf(startViewerServer({ serverUrl: aiaa.url, image, page, host: '0.0.0.0' }))).toBe('VIEWER_INVALID_OPTIONS');
    expect(await codeOf(startViewerServer({ serverUrl: aiaa.url, image: new TextEncoder().encode('<html>'), page }))).toBe(
      'VIEWER_INVALID_OPTIONS',
    );
    const bare = await startTestServer({ models: [{ name: 'seg', type: 'segmentation', algorithm: 'threshold', labels: ['x'] }] });
    try {
      expect(await codeOf(startViewerServer({ serverUrl: bare.url, image, page }))).toBe('VIEWER_INVALID_OPTIONS');
    } finally {
      await bare.close();
    }
  });
});

describe('requestDeepgrow', () => {
  it("rejects with the caller's abort reason unchanged, and with VIEWER_CONNECTION when nothing listens", async () => {
    const reason = new Error('user clicked again');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(requestDeepgrow(api(), { foreground: [[1, 1, 1]], background: [] }, { signal: controller.signal })).rejects.toBe(reason);
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    const error = await requestDeepgrow(`${url}/api/deepgrow`, { foreground: [[1, 1, 1]], background: [] }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'VIEWER_CONNECTION')).toBe(true);
  });
});

describe('parseDeepgrowClicks', () => {
  it('property: any JSON value is either refused with VIEWER_INVALID_CLICKS or gives points inside the image', () => {
    const dims = [72, 64, 44];
    const point = fc.tuple(fc.integer({ min: -2, max: 80 }), fc.integer({ min: -2, max: 80 }), fc.integer({ min: -2, max: 80 }));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        foreground: fc.array(point, { maxLength: 4 }),
        background: fc.option(fc.array(point, { maxLength: 4 }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(body, (value) => {
        let parsed;
        try {
          parsed = parseDeepgrowClicks(value, dims);
        } catch (error) {
          expect(isMedaasError(error, 'VIEWER_INVALID_CLICKS')).toBe(true);
          return;
        }
        expect(parsed.foreground.length).toBeGreaterThan(0);
        for (const p of [...parsed.foreground, ...parsed.background]) p.forEach((n, axis) => expect(n >= 0 && n < dims[axis]!).toBe(true));
      }),
      { numRuns: 1000 },
    );
  });
});
