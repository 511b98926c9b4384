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
let browser: Browser;
let pageScript: Awaited<ReturnType<typeof buildViewerPage>>;
let image: Uint8Array;

beforeAll(async () => {
  image = await writeNifti(volume, { gzip: true });
  // The file holds the affine in float32: that, not the float64 we built, is the grid everyone sees.
  storedAffine = (await readNifti(image)).affine;
  pageScript = await buildViewerPage();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

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

describe.each(['aiaa', 'monai-label'] as const)('the viewer in headless Chromium, against a %s server', (protocol) => {
  let server: TestServer;
  let viewer: ViewerServer;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];
  const foreign: string[] = [];

  beforeAll(async () => {
    shots = await mkdtemp(join(tmpdir(), `medaas-viewer-${protocol}-`));
    server = await startTestServer({ protocol });
    viewer = await startViewerServer({ serverUrl: server.url, image, page: pageScript });
    expect(viewer.protocol).toBe(protocol);
    page = await browser.newPage({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(viewer.url) && !request.url().startsWith('data:') && !request.url().startsWith('blob:'))
        foreign.push(request.url());
    });
    await page.goto(viewer.url);
    await page.waitForFunction(() => window.medaasViewer !== undefined, undefined, { timeout: 60_000 });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await viewer?.close();
    await server?.close();
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

  /** A real mouse click; resolves with the exchange it caused. */
  async function clickAndWait(point: {
    x: number;
    y: number;
  }): Promise<{ request: { foreground: number[][]; background: number[][] }; response: Response }> {
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

  it('opens on three planes that cut through the structures; a click at the centre of one, as seen, gives that structure and its volume in ml', async () => {
    const canvas = (await page.locator('#canvas').boundingBox())!;
    const first = await screenshot('0-first-view');
    // What a person sees: bright discs, the cross-sections of the spheres. Three planes show, each with some.
    const blobs = brightBlobs(first, canvas, isBright).filter((b) => b.area >= 40);
    const quadrants = new Set(
      blobs.map((b) => `${b.x < canvas.x + canvas.width / 2 ? 'left' : 'right'}-${b.y < canvas.y + canvas.height / 2 ? 'top' : 'bottom'}`),
    );
    expect(quadrants.size).toBeGreaterThanOrEqual(3);
    // The person clicks the middle of the largest disc on the screen.
    const target = blobs.sort((a, b) => b.area - a.area)[0]!;
    const { request, response } = await clickAndWait(target);
    const label = labelAt(request.foreground[0]!);
    expect(label).toBeGreaterThan(0);
    const mask = await readNifti(await response.body());
    expect(dice(mask.data as Uint8Array, truth, label)).toBeGreaterThanOrEqual(0.9);
    const summary = summarizeMask(mask);
    expect(await page.locator('#status').getAttribute('data-volume-ml')).toBe(summary.volumeMl.toFixed(3));
    expect(await page.locator('#status').textContent()).toContain(`${summary.volumeMl.toFixed(2)} ml`);
    // The structure's own volume (its voxels in the phantom's truth), to within a tenth.
    const voxelMl = summary.volumeMl / summary.voxels;
    const truthMl = truth.filter((v) => v === label).length * voxelMl;
    expect(Math.abs(summary.volumeMl - truthMl) / truthMl).toBeLessThan(0.1);
    await expect
      .poll(async () => countNear(await screenshot('0-after-first-click'), target, 6, isRed), { timeout: 20_000 })
      .toBeGreaterThan(50);
    await page.click('#clear');
  });

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

  it('a click on one of two touching structures gives that one; a background click on the other keeps it out', async () => {
    const { target, neighbour } = DEMO_SPHERES;
    await page.click('#clear');
    await page.check('input[name="mode"][value="foreground"]');
    const fg = await clickAndWait(await showOnScreen(target.center));
    expect(fg.request.foreground).toEqual([[...target.center]]);
    const alone = (await readNifti(await fg.response.body())).data as Uint8Array;
    // The two touch, but their intensities differ by five noise levels: the edge between them stops the growth.
    expect(dice(alone, truth, 2)).toBeGreaterThanOrEqual(0.9);
    expect(covered(alone, 3)).toBeLessThan(0.02);

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

/** Connected groups of pixels inside a box that pass `test`, with their area and centroid (page pixels). */
function brightBlobs(
  pixels: Pixels,
  box: { x: number; y: number; width: number; height: number },
  test: (r: number, g: number, b: number) => boolean,
): { x: number; y: number; area: number }[] {
  const x0 = Math.ceil(box.x);
  const y0 = Math.ceil(box.y);
  const w = Math.floor(box.width);
  const h = Math.floor(box.height);
  const seen = new Uint8Array(w * h);
  const hit = (x: number, y: number): boolean => {
    const o = ((y0 + y) * pixels.width + (x0 + x)) * 4;
    return test(pixels.data[o]!, pixels.data[o + 1]!, pixels.data[o + 2]!);
  };
  const blobs: { x: number; y: number; area: number }[] = [];
  for (let y = 0; y < h; y += 1)
    for (let x = 0; x < w; x += 1) {
      if (seen[y * w + x] || !hit(x, y)) continue;
      const stack = [[x, y]];
      seen[y * w + x] = 1;
      let sx = 0;
      let sy = 0;
      let area = 0;
      while (stack.length > 0) {
        const [px, py] = stack.pop()!;
        sx += px!;
        sy += py!;
        area += 1;
        for (const [nx, ny] of [
          [px! + 1, py!],
          [px! - 1, py!],
          [px!, py! + 1],
          [px!, py! - 1],
        ] as const) {
          if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[ny * w + nx] || !hit(nx, ny)) continue;
          seen[ny * w + nx] = 1;
          stack.push([nx, ny]);
        }
      }
      blobs.push({ x: x0 + sx / area, y: y0 + sy / area, area });
    }
  return blobs;
}
