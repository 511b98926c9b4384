import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { createMonaiLabelClient } from '../src/monai-label/index.js';
import { bundleForBrowser, launchChromium, servePage } from '../../nifti-io/test/helpers/browser.js';

// The page bundles the client as an application's bundler does: the packages' `#http` and `#digest` import
// maps resolved to their `default` (fetch, Web Crypto) back ends.
const aliases = {
  '#http': fileURLToPath(new URL('../src/connection/http/http-web.ts', import.meta.url)),
  '#digest': fileURLToPath(new URL('../src/connection/digest/digest-web.ts', import.meta.url)),
};

let monai: TestServer;
let secured: TestServer;
let pageServer: Awaited<ReturnType<typeof servePage>>;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
  const script = await bundleForBrowser(fileURLToPath(new URL('./browser/monai-label-page.js', import.meta.url)), aliases);
  pageServer = await servePage(script, {});
  pageOrigin = new URL(pageServer.url).origin;
  // Another origin than the page's, as a MONAI Label server is: it must allow the page (CORS).
  monai = await startTestServer({ protocol: 'monai-label', corsOrigins: [pageOrigin] });
  secured = await startTestServer({
    protocol: 'monai-label',
    corsOrigins: [pageOrigin],
    auth: { users: { ana: { password: 'pw of ana' } } },
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await monai?.close();
  await secured?.close();
  await pageServer?.close();
});

describe('the MONAI Label client in a real browser (Chromium: fetch, Web Crypto)', () => {
  it.each([
    ['without authentication', () => monai, undefined],
    ['with a password login and bearer tokens', () => secured, { username: 'ana', password: 'pw of ana' }],
  ] as const)(
    '%s: every endpoint from the page (info, checksum-checked upload, inference, labels, datastore, dataset, active learning, training, scoring, batch, model files, logs, sessions), errors, aborts, the common interface; masks equal the Node client',
    async (_name, server, credentials) => {
      const { volume } = spherePhantom();
      const image = await writeNifti(volume, { gzip: true });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${pageOrigin}/`);
      await page.waitForFunction(() => typeof (window as unknown as { runMonaiLabel?: unknown }).runMonaiLabel === 'function');
      const result = await page.evaluate(
        ([url, b64, auth]) =>
          (window as unknown as { runMonaiLabel: (u: string, i: string, a: unknown) => Promise<Record<string, unknown>> }).runMonaiLabel(
            url as string,
            b64 as string,
            auth,
          ),
        [server().url, Buffer.from(image).toString('base64'), credentials] as const,
      );
      expect(errors).toEqual([]);
      expect(result['models']).toEqual(['segmentation', 'deepgrow_3d', 'deepgrow_2d', 'deepedit', 'scribbles']);
      expect(result['checksum']).toBe(`SHA256:${createHash('sha256').update(image).digest('hex')}`);
      expect(result['uploads']).toEqual([true, false, 0]);
      expect(result['refused']).toEqual({ code: 'AIAA_MODEL_NOT_FOUND' });
      expect(result['aborted']).toBe('signal.reason');
      expect(result['labelName']).toBe(`${result['saved'] as string}.nii.gz`);
      expect(result['protocol']).toBe('monai-label');
      const rest = result['rest'] as Record<string, unknown>;
      expect(rest).toMatchObject({
        auth: credentials !== undefined,
        user: credentials ? 'ana' : 'admin',
        uploaded: 'second',
        imageInfo: 'page',
        downloaded: 'second.nii.gz',
        hasLabel: true,
        labelInfo: true,
        dataset: 'dataset.zip',
        training: ['SUBMITTED', 'DONE'],
        trainStatus: 'DONE',
        stopIdle: undefined,
        model: 'SHA256:',
        reuploaded: 'SHA256:',
        scoring: 'DONE',
        batch: 'DONE',
        original: true,
        logs: true,
        sessionImage: image.byteLength,
        sessionInfo: true,
        gone: false,
      });
      expect((rest['stats'] as { total: number }).total).toBeGreaterThanOrEqual(1);
      expect(rest['contents']).toContain(result['saved']);
      await using client = createMonaiLabelClient({ baseUrl: server().url, ...(credentials ? { auth: credentials } : {}) });
      const seg = await client.segment('segmentation', image);
      const grown = await client.segment('deepgrow_3d', image, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
      const voxels = async (bytes: Uint8Array): Promise<number[]> => Array.from((await readNifti(bytes)).data as Uint8Array);
      const fromBrowser = (key: string): Promise<number[]> => voxels(new Uint8Array(Buffer.from(result[key] as string, 'base64')));
      expect(await fromBrowser('seg')).toEqual(await voxels(seg.mask));
      for (const key of ['grown', 'fromSession', 'click']) expect(await fromBrowser(key)).toEqual(await voxels(grown.mask));
      await page.close();
    },
  );
});
