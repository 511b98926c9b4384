// The browser build of the SEG writer and reader, end to end in headless Chromium: the SEG written there passes
// dciodvfy and pydicom's checks here, and reads back there to the same mask.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { convertDicomSeries } from '@medaas/dicom';
import { bundleForBrowser, launchChromium, servePage } from '../../nifti-io/test/helpers/browser.js';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';
import { filesOf, makeSegFixtures, SEG_CHECK, twoSpheres, type SeriesUids } from './seg-fixtures.js';

let dir: string;
let browser: Browser;
let ct5: SeriesUids;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-seg-browser-'));
  [{ ct5 }, browser] = await Promise.all([makeSegFixtures(join(dir, 'fx'), 'seg-browser'), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

it('writes a SEG in Chromium that dciodvfy and pydicom accept, and reads it back there voxel for voxel', async () => {
  const folder = join(dir, 'fx', 'ct5');
  const names = (await readdir(folder)).sort();
  const volume = await convertDicomSeries(await filesOf(folder));
  const mask = twoSpheres(volume, { radiusMm: 6 });
  const maskPath = join(dir, 'mask.raw');
  await writeFile(maskPath, mask.data as Uint8Array);
  // The import maps (nifti-io's and this package's) resolve to their browser back ends, as an application's bundler would pick them.
  const niftiSrc = (path: string): string => fileURLToPath(new URL(`../../nifti-io/src/${path}`, import.meta.url));
  const script = await bundleForBrowser(fileURLToPath(new URL('./seg-browser/entry.ts', import.meta.url)), {
    '#gzip': niftiSrc('codec/gzip-web.ts'),
    '#itk': niftiSrc('itk/itk-web.ts'),
    '#fetch': fileURLToPath(new URL('../src/transport/fetch-web.ts', import.meta.url)),
  });
  const routes: Record<string, string> = { '/mask.raw': maskPath };
  for (const name of names) routes[`/ct5/${name}`] = join(folder, name);
  const site = await servePage(script, routes);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(site.url);
    await page.waitForFunction(() => 'medaasRun' in globalThis);
    const result = (await page.evaluate(
      ([base, list]) => (globalThis as unknown as { medaasRun(b: string, n: string[]): Promise<unknown> }).medaasRun(base, list),
      [site.url, names] as [string, string[]],
    )) as {
      seg: number[];
      same: boolean;
      segments: string[];
      refused: string;
    };
    expect(errors).toEqual([]);
    expect(result.same).toBe(true);
    expect(result.segments).toEqual(['Left sphere', 'Right sphere']);
    expect(result.refused).toBe('DICOM_SEG_EMPTY');
    const segPath = join(dir, 'browser-seg.dcm');
    await writeFile(segPath, Uint8Array.from(result.seg));
    const validator = JSON.parse(execFileSync(PYTHON, [SEG_CHECK, 'dciodvfy-parse', segPath], { encoding: 'utf8' })) as {
      errors: string[];
      iod: string;
    };
    expect(validator.iod).toBe('Segmentation');
    expect(validator.errors).toEqual([]);
    const expected = {
      studyUid: ct5.studyUid,
      seriesUid: ct5.seriesUid,
      segments: [
        { number: 1, label: 1, name: 'Left sphere', category: ['85756007', 'SCT', 'Tissue'], type: ['113343008', 'SCT', 'Organ'] },
        { number: 2, label: 2, name: 'Right sphere', category: ['85756007', 'SCT', 'Tissue'], type: ['113343008', 'SCT', 'Organ'] },
      ],
    };
    await writeFile(`${segPath}.json`, JSON.stringify(expected));
    const [nx, ny, nz] = mask.dims.map(String) as [string, string, string];
    const report = JSON.parse(
      execFileSync(PYTHON, [SEG_CHECK, 'check', segPath, maskPath, nx, ny, nz, folder, `${segPath}.json`], { encoding: 'utf8' }),
    ) as { problems: string[]; seriesDescription: string };
    expect(report.problems).toEqual([]);
    expect(report.seriesDescription).toBe('From a browser');
  } finally {
    await page.close();
    await site.close();
  }
});
