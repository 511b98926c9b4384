import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Response } from 'playwright-core';
import { startTestServer, dice, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, voxelToWorld, writeNifti, type Mat4, type Vec3 } from '@medaas/nifti-io';
import { buildViewerPage } from '../build.mjs';
import { DEMO_SPHERES, demoPhantom } from '../src/demo-phantom.js';
import { summarizeMask } from '../src/mask-summary.js';
import { startViewerServer, type ViewerServer } from '../src/viewer-server.js';
import { countNear, decodePng, launchChromium, type Pixels } from './browser.js';

const { volume, truth } = demoPhantom();
const [NX, NY] = volume.dims as [number, number, number];
let storedAffine: Mat4;
let aiaa: TestServer;
let viewer: ViewerServer;
let browser: Browser;
let page: Page;
let shots: string;
const pageErrors: string[] = [];
const foreign: string[] = [];

beforeAll(async () => {
  shots = await mkdtemp(join(tmpdir(), 'medaas-viewer-'));
  aiaa = await startTestServer();
  const image = await writeNifti(volume, { gzip: true });
  // The file holds the affine in float32: that, not the float64 we built, is the grid everyone sees.
  storedAffine = (await readNifti(image)).affine;
  viewer = await startViewerServer({ aiaaUrl: aiaa.url, image, page: await buildViewerPage() });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(viewer.url) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) foreign.push(request.url());
  });
  await page.goto(viewer.url);
  await page.waitForFunction(() => window.medaasViewer !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  await aiaa?.close();
});

const worldOf = (center: readonly [number, number, number]): Vec3 => voxelToWorld(storedAffine, [center[0], center[1], center[2]]);

/** Scrolls to the structure's slice as a user would, and returns where it is on screen. */
async function showOnScreen(center: readonly [number, number, number]): Promise<{ x: number; y: number }> {
  const point = await page.evaluate((mm) => {
    window.medaasViewer!.goToWorldMm(mm);
    return window.medaasViewer!.screenPointOfWorldMm(mm);
  }, worldOf(center));
  expect(point).toBeDefined();
  return point!;
}

/** A real mouse click; resolves with the DeepGrow exchange it caused. */
async function clickAndWait(point: { x: number; y: number }): Promise<{ request: { foreground: number[][]; background: number[][] }; response: Response }> {
  const exchange = page.waitForResponse((r) => r.url().endsWith('/api/deepgrow'));
  await page.mouse.click(point.x, point.y);
  const response = await exchange;
  expect(response.status()).toBe(200);
  await page.waitForFunction(() => document.getElementById('status')?.dataset['state'] === 'done');
  return { request: JSON.parse(response.request().postData() ?? '{}'), response };
}

async function screenshot(name: string): Promise<Pixels> {
  const png = await page.screenshot();
  await writeFile(join(shots, `${name}.png`), png);
  return decodePng(browser, png);
}

const labelAt = (ijk: readonly number[]): number => truth[ijk[0]! + NX * (ijk[1]! + NY * ijk[2]!)]!;
const covered = (mask: ArrayLike<number>, label: number): number => {
  let inLabel = 0;
  let hit = 0;
  for (let n = 0; n < truth.length; n += 1) {
    if (truth[n] !== label) continue;
    inLabel += 1;
    if (mask[n]) hit += 1;
  }
  return hit / inLabel;
};
const isRed = (r: number, g: number, b: number): boolean => r > 120 && r > 2 * g && r > 2 * b;
const isBright = (r: number, g: number, b: number): boolean => r > 150 && g > 150 && b > 150;

describe('the viewer in headless Chromium', () => {
  it('a foreground click on a structure grows a mask centred on it, shown in red where the user clicked', async () => {
    const { isolated } = DEMO_SPHERES;
    const point = await showOnScreen(isolated.center);
    const before = await screenshot('1-before-click');
    // The user sees the structure where they click: bright, and not yet red.
    expect(countNear(before, point, 6, isBright)).toBeGreaterThan(50);
    expect(countNear(before, point, 40, isRed)).toBe(0);

    const { request, response } = await clickAndWait(point);
    // The viewer converted the click to the file's own voxel index: the sphere's centre.
    expect(request.foreground).toEqual([[...isolated.center]]);
    expect(request.background).toEqual([]);
    const mask = await readNifti(await response.body());
    expect(mask.dims).toEqual(volume.dims);
    expect(mask.affine).toEqual(storedAffine);
    const data = mask.data as Uint8Array;
    expect(dice(data, truth, 1)).toBeGreaterThanOrEqual(0.9);
    const summary = summarizeMask(mask);
    for (let axis = 0; axis < 3; axis += 1) expect(Math.abs(summary.centroidIndex![axis]! - isolated.center[axis]!)).toBeLessThan(1);
    expect(covered(data, 2) + covered(data, 3)).toBe(0);
    // The page reports the same mask to the user.
    expect(await page.locator('#status').getAttribute('data-voxels')).toBe(String(summary.voxels));
    await expect.poll(async () => countNear(await screenshot('2-after-click'), point, 20, isRed), { timeout: 20_000 }).toBeGreaterThan(200);
    expect(await page.locator('#clicks li').allTextContents()).toEqual([`foreground [${isolated.center.join(', ')}]`]);
  });

  it('a background click on a touching structure keeps the mask out of it', async () => {
    const { target, neighbour } = DEMO_SPHERES;
    await page.click('#clear');
    await page.check('input[name="mode"][value="foreground"]');
    const fg = await clickAndWait(await showOnScreen(target.center));
    expect(fg.request.foreground).toEqual([[...target.center]]);
    const leaked = (await readNifti(await fg.response.body())).data as Uint8Array;
    // Without a background click the growth runs into the touching structure: what the next click prevents.
    expect(covered(leaked, 3)).toBeGreaterThan(0.5);

    await page.check('input[name="mode"][value="background"]');
    const neighbourPoint = await showOnScreen(neighbour.center);
    const bg = await clickAndWait(neighbourPoint);
    expect(bg.request).toEqual({ foreground: [[...target.center]], background: [[...neighbour.center]] });
    expect(labelAt(bg.request.background[0]!)).toBe(3);
    const mask = await readNifti(await bg.response.body());
    const data = mask.data as Uint8Array;
    expect(dice(data, truth, 2)).toBeGreaterThanOrEqual(0.9);
    expect(covered(data, 3)).toBeLessThan(0.02);
    const c = summarizeMask(mask).centroidIndex!;
    for (let axis = 0; axis < 3; axis += 1) expect(Math.abs(c[axis]! - target.center[axis]!)).toBeLessThan(1.5);
    // On screen: no red where the background click was.
    await expect.poll(async () => countNear(await screenshot('3-background-click'), neighbourPoint, 4, isRed), { timeout: 20_000 }).toBe(0);
  });

  it('loaded everything from its own origin and raised no errors', () => {
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
