// The browser path of `resample`, end to end in Chromium: the engine handed over with setResampleEngine,
// itk-wasm's worker and the resample pipeline served from the page's own origin, the result identical to
// the same call in Node (the same ITK pipeline, built for WASI).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { resample, type Mat4, type Volume } from '@medaas/nifti-io';
import { bundleForBrowser, launchChromium } from './helpers/browser.js';

const modules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const src = (path: string): string => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Serves the page, its bundle, itk-wasm's worker and the pipeline files, each with its real content type. */
async function serve(script: string): Promise<{ url: string; close(): Promise<void> }> {
  const files: Record<string, string> = {
    '/web-workers/itk-wasm-pipeline.worker.js': join(modules, 'itk-wasm/dist/pipeline/web-workers/bundles/itk-wasm-pipeline.worker.js'),
    '/itk/pipelines/resample.js': join(modules, '@itk-wasm/downsample/dist/pipelines/resample.js'),
    '/itk/pipelines/resample.wasm.zst': join(modules, '@itk-wasm/downsample/dist/pipelines/resample.wasm.zst'),
  };
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>medaas</title><script type="module" src="/bundle.js"></script>');
    } else if (path === '/bundle.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (files[path]) {
      const type = path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      response.writeHead(200, { 'content-type': type }).end(await readFile(files[path]!));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

it('resamples in Chromium through the handed-over engine, as in Node, with no request beyond its origin', async () => {
  // An oblique-free 6x5x4 ramp at 2 x 1.5 x 3 mm, so every output voxel is an interpolated value.
  const dims = [6, 5, 4];
  const affine: Mat4 = [
    [2, 0, 0, -5],
    [0, 1.5, 0, 3],
    [0, 0, 3, 7],
    [0, 0, 0, 1],
  ];
  const data = Float32Array.from({ length: 6 * 5 * 4 }, (_, i) => (i % 6) * 10 + Math.floor(i / 6) * 0.5);
  const volume: Volume = { dims, datatype: 'float32', data, affine };
  const expected = await resample(volume, { spacingMm: 1 }, { interpolation: 'linear' });

  const script = await bundleForBrowser(fileURLToPath(new URL('./browser/resample-entry.ts', import.meta.url)), {
    '#gzip': src('codec/gzip-web.ts'),
    '#itk': src('itk/itk-web.ts'),
  });
  const site = await serve(script);
  const page = await browser.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(site.url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:'))
      foreign.push(request.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(site.url);
    await page.waitForFunction(() => 'medaasResample' in globalThis);
    const result = (await page.evaluate(
      ([v, pipelines]) =>
        (globalThis as unknown as { medaasResample(v: unknown, p: string): Promise<unknown> }).medaasResample(v, pipelines),
      [{ ...volume, data: Array.from(data) }, `${site.url}/itk/pipelines`] as const,
    )) as { dims: number[]; data: number[] };
    expect(result.dims).toEqual(expected.dims);
    expect(result.dims).toEqual([12, 8, 12]);
    expect(result.data).toEqual(Array.from(expected.data as Float32Array));
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
    await site.close();
  }
});
