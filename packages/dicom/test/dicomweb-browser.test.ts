// The browser build of the DICOMweb client in headless Chromium, on the browser's fetch, against the real Orthanc.
// The page and the PACS share one origin (a small proxy in front of Orthanc), as a viewer served next to its
// PACS, or behind the same reverse proxy, has them.
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleForBrowser, launchChromium } from '../../nifti-io/test/helpers/browser.js';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { preparePacsStudy, type PacsStudy } from './helpers/pacs-data.js';

let dir: string;
let browser: Browser;
let orthanc: OrthancInstance;
let study: PacsStudy;
let site: Server;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-dicomweb-browser-'));
  [orthanc, browser] = await Promise.all([startOrthanc(), launchChromium()]);
  study = await preparePacsStudy(join(dir, 'study'), { seed: 'dicomweb-browser' });
  await orthanc.upload(study.files);
  const niftiSrc = (path: string): string => fileURLToPath(new URL(`../../nifti-io/src/${path}`, import.meta.url));
  const script = await bundleForBrowser(fileURLToPath(new URL('./dicomweb-browser/entry.ts', import.meta.url)), {
    '#gzip': niftiSrc('codec/gzip-web.ts'),
    '#itk': niftiSrc('itk/itk-web.ts'),
    '#fetch': fileURLToPath(new URL('../src/transport/fetch-web.ts', import.meta.url)),
  });
  const pacs = new URL(orthanc.url);
  site = createServer((req, res) => {
    if (req.url?.startsWith('/dicom-web/')) {
      const upstream = request(
        { host: pacs.hostname, port: pacs.port, path: req.url, method: req.method, headers: { ...req.headers, host: pacs.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const address = site.address() as { port: number };
  origin = `http://127.0.0.1:${address.port}`;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
});

it('searches, streams a series and its metadata in Chromium, with typed errors', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(origin);
  await page.waitForFunction(() => 'medaasRun' in globalThis);
  const result = (await page.evaluate(
    ([base, uid]) => (globalThis as unknown as { medaasRun(b: string, s: string): Promise<unknown> }).medaasRun(base, uid),
    [`${origin}/dicom-web`, study.studyUid] as [string, string],
  )) as Record<string, unknown>;
  expect(errors).toEqual([]);
  const sizes = await Promise.all(study.files.map(async (f) => (await stat(f)).size));
  expect(result).toEqual({
    seriesUid: study.seriesUid,
    instances: 20,
    bytes: sizes.reduce((a, b) => a + b, 0),
    metadata: 20,
    modality: 'MR',
    progressed: true,
    missing: 'DICOMWEB_NOT_FOUND',
    stored: 'sent 0',
  });
});
