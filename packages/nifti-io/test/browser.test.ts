import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readNiftiFile } from '@medaas/nifti-io/node';
import { bundleForBrowser, launchChromium, servePage } from './helpers/browser.js';
import { MRICRON } from './helpers/reference.js';

const src = (path: string): string => fileURLToPath(new URL(`../src/${path}`, import.meta.url));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('the browser build reads, writes and compresses real volumes in Chromium, and never reaches for a CDN', async () => {
  const script = await bundleForBrowser(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)), {
    '#gzip': src('codec/gzip-web.ts'),
    '#itk': src('itk/itk-web.ts'),
  });
  const site = await servePage(script, { '/ch2.nii.gz': join(MRICRON, 'ch2.nii.gz') });
  const page = await browser.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(site.url)) foreign.push(request.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(site.url);
    await page.waitForFunction(() => 'medaasRun' in globalThis);
    const result = (await page.evaluate(
      (url) => (globalThis as unknown as { medaasRun(u: string): Promise<unknown> }).medaasRun(url),
      `${site.url}/ch2.nii.gz`,
    )) as Record<string, unknown>;
    const reference = await readNiftiFile(join(MRICRON, 'ch2.nii.gz'));
    let checksum = 0;
    for (let i = 0; i < reference.data.length; i += 1) checksum = (checksum + Number(reference.data[i]) * ((i % 7) + 1)) % 1_000_000_007;
    expect(result['dims']).toEqual([181, 217, 181]);
    expect(result['datatype']).toBe('uint8');
    expect(result['affine']).toEqual(reference.affine);
    expect(result['checksum']).toBe(checksum);
    expect(result['roundTripChecksum']).toBe(checksum);
    expect(result['gzipMagic']).toEqual([0x1f, 0x8b]);
    expect(result['maskDatatype']).toBe('uint8');
    expect(result['maskVoxels']).toBe((reference.data as Uint8Array).reduce((a, v) => a + (v > 100 ? 1 : 0), 0));
    // Without the engine, resampling names the package to install; with it but without a configured
    // pipeline location, it refuses instead of fetching ITK from a CDN.
    expect(result['resample']).toEqual(['NIFTI_RESAMPLE_UNAVAILABLE', 'NIFTI_ITK_NOT_CONFIGURED']);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
    await site.close();
  }
});
