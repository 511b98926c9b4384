import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { createAiaaClient } from '../src/index.js';

// The client as a web page bundles it: the `browser` condition, and the package's `#http` import map
// resolved to its `default` (fetch) back end, as a bundler picks it from the built package.
const http = fileURLToPath(new URL('../src/http/http-web.ts', import.meta.url));
const PAGE_SCRIPT = `
import { createAiaaClient, isAiaaSession } from '@medaas/aiaa-client';
const b64 = (bytes) => { let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000)); return btoa(s); };
window.runAiaa = async (baseUrl, imageB64) => {
  const image = new Blob([Uint8Array.from(atob(imageB64), (c) => c.charCodeAt(0))], { type: 'application/gzip' });
  // An extra header makes the browser ask the server first (a CORS preflight), as a proxy token would.
  const client = createAiaaClient({ baseUrl, headers: { 'x-medaas-site': 'radiology' } });
  const progress = [];
  const models = (await client.listModels()).map((m) => m.name);
  const session = await client.createSession(image, { expirySec: 60, onProgress: (p) => progress.push(p.phase + ':' + p.loaded + '/' + p.total) });
  const seg = await client.segmentation('segmentation_threshold', session);
  const grown = await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]], background: [] });
  const refused = await client.segmentation('no_such_model', session).catch((e) => ({ code: e.code, status: e.details && e.details.status }));
  const controller = new AbortController();
  const reason = new Error('the user closed the viewer');
  const pending = client.segmentation('segmentation_threshold', image, { signal: controller.signal });
  controller.abort(reason);
  const aborted = await pending.then(() => 'not aborted', (e) => (e === reason ? 'signal.reason' : String(e)));
  await session.close();
  const closedAfter = await client.getSession(session.id).then(() => 'still there', (e) => e.details && e.details.status);
  await client.close();
  return { models, isSession: isAiaaSession(session), closedAfter, progress, seg: b64(seg.mask), points: seg.points, grown: b64(grown.mask), refused, aborted };
};
`;

let aiaa: TestServer;
let pageServer: Server;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@medaas/source', 'browser', 'import', 'default'],
    logLevel: 'silent',
    plugins: [{ name: 'web-http', setup: (b) => b.onResolve({ filter: /^#http$/ }, () => ({ path: http })) }],
  });
  const script = bundle.outputFiles[0]!.text;
  pageServer = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  // Another origin than the page's, as an AIAA server (or its tunnel) is: it must allow the page (CORS).
  aiaa = await startTestServer({ corsOrigins: [pageOrigin] });
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: run scripts/setup-test-env.sh');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await aiaa?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
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
});
