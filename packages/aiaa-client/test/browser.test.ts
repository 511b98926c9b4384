import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { createAiaaClient } from '../src/index.js';
import { bundleForBrowser, launchChromium, servePage } from '../../nifti-io/test/helpers/browser.js';
import { startRecordingServer } from './helpers/recording-server.js';

// The client as a web page bundles it: the `browser` condition, and the package's `#http` import map
// resolved to its `default` (fetch) back end, as a bundler picks it from the built package.
const http = fileURLToPath(new URL('../src/connection/http/http-web.ts', import.meta.url));

let aiaa: TestServer;
let pageServer: Awaited<ReturnType<typeof servePage>>;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
  const script = await bundleForBrowser(fileURLToPath(new URL('./browser/page.js', import.meta.url)), { '#http': http });
  pageServer = await servePage(script, {});
  pageOrigin = new URL(pageServer.url).origin;
  // Another origin than the page's, as an AIAA server (or its tunnel) is: it must allow the page (CORS).
  aiaa = await startTestServer({ corsOrigins: [pageOrigin] });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await aiaa?.close();
  await pageServer?.close();
});

describe('aiaa-client in a real browser (Chromium, fetch back end)', () => {
  it('lists models, uploads a session from a Blob, segments, runs DeepGrow, reports errors and aborts; masks equal the Node client', async () => {
    const { volume } = spherePhantom();
    const image = await writeNifti(volume, { gzip: true });
    const page = await browser.newPage();
    const errors: string[] = [];
    const origins = new Set<string>();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => typeof (window as unknown as { runAiaa?: unknown }).runAiaa === 'function');
    const result = await page.evaluate(
      ([url, b64]) => (window as unknown as { runAiaa: (u: string, i: string) => Promise<Record<string, unknown>> }).runAiaa(url!, b64!),
      [aiaa.url, Buffer.from(image).toString('base64')],
    );
    expect(errors).toEqual([]);
    expect([...origins].sort()).toEqual([new URL(aiaa.url).origin, pageOrigin].sort());
    expect(result['models']).toContain('deepgrow_3d');
    expect(result['isSession']).toBe(true);
    expect(result['closedAfter']).toBe(440); // the server no longer knows the session
    // fetch cannot watch an upload: 0 at the start, everything once the reply starts; then the download.
    const progress = result['progress'] as string[];
    const total = progress[0]!.split('/')[1];
    expect(progress.filter((p) => p.startsWith('upload:'))).toEqual([`upload:0/${total}`, `upload:${total}/${total}`]);
    expect(progress.at(-1)).toMatch(/^download:(\d+)\/\1$/);
    expect(result['refused']).toEqual({ code: 'AIAA_HTTP_STATUS', status: 404 });
    expect(result['aborted']).toBe('signal.reason');
    // The same calls from Node (undici back end): the browser's masks are the same voxels.
    await using client = createAiaaClient({ baseUrl: aiaa.url });
    const seg = await client.segmentation('segmentation_threshold', image);
    const grown = await client.deepgrow('deepgrow_3d', image, { foreground: [[30, 28, 20]], background: [] });
    // Masks are uint8 label volumes.
    const voxels = async (bytes: Uint8Array): Promise<number[]> => Array.from((await readNifti(bytes)).data as Uint8Array);
    const fromBrowser = (key: string): Promise<number[]> => voxels(new Uint8Array(Buffer.from(result[key] as string, 'base64')));
    expect(await fromBrowser('seg')).toEqual(await voxels(seg.mask));
    expect(await fromBrowser('grown')).toEqual(await voxels(grown.mask));
    expect(result['points']).toEqual(seg.points);
    expect((await voxels(grown.mask)).some((v) => v > 0)).toBe(true);
    await page.close();
  });

  it('a server that does not allow the page origin fails as AIAA_CONNECTION, not with a silent empty reply', async () => {
    await using closed = await startTestServer();
    const page = await browser.newPage();
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => typeof (window as unknown as { runAiaa?: unknown }).runAiaa === 'function');
    const outcome = await page.evaluate(async (url) => {
      const { runAiaa } = window as unknown as { runAiaa: (u: string, i: string) => Promise<unknown> };
      return runAiaa(url, '').then(
        () => 'resolved',
        (e: { code?: string }) => e.code ?? String(e),
      );
    }, closed.url);
    expect(outcome).toBe('AIAA_CONNECTION');
    await page.close();
  });

  it('a 307 to another host is a typed error: the image and the api key never reach that host', async () => {
    // The other host is willing (it allows any origin and header), as an attacker's would be.
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' };
    await using other = await startRecordingServer((r, res) => {
      if (r.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      res.writeHead(200, { ...cors, 'content-type': 'multipart/form-data; boundary=B' });
      res.end(
        '--B\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n--B\r\nContent-Disposition: form-data; name="f"; filename="m.nii.gz"\r\n\r\nOTHER HOST MASK\r\n--B--\r\n',
      );
    });
    const allowPage = {
      'access-control-allow-origin': pageOrigin,
      'access-control-allow-headers': 'x-api-key, content-type',
      'access-control-allow-methods': 'POST',
    };
    await using redirecting = await startRecordingServer((r, res) => {
      if (r.method === 'OPTIONS') return void res.writeHead(204, allowPage).end();
      res.writeHead(307, { ...allowPage, location: `${other.url}/v1/segmentation?model=segmentation_threshold` }).end();
    });
    const page = await browser.newPage();
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => typeof (window as unknown as { runRedirected?: unknown }).runRedirected === 'function');
    const { volume } = spherePhantom();
    const outcome = await page.evaluate(
      ([url, b64]) =>
        (window as unknown as { runRedirected: (u: string, i: string) => Promise<Record<string, unknown>> }).runRedirected(url!, b64!),
      [redirecting.url, Buffer.from(await writeNifti(volume, { gzip: true })).toString('base64')],
    );
    expect(outcome['resolved']).toBeUndefined();
    expect(outcome['code']).toBe('AIAA_HTTP_STATUS');
    // A browser hides a redirect's target from the page: the message says so instead of naming it.
    expect(String(outcome['message'])).toMatch(/redirect/);
    expect(other.requests.filter((r) => r.method !== 'OPTIONS')).toEqual([]);
    expect(redirecting.requests.some((r) => r.method === 'POST' && r.headers['x-api-key'] === 'the-site-api-key')).toBe(true);
    await page.close();
  });
});
