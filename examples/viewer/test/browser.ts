import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (scripts/setup-test-env.sh installs it). Never a browser download. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium with the flags this closed network needs, and WebGL2 through SwiftShader for NiiVue. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-test-env.sh (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}

/** RGBA pixels of an image. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Decodes a PNG (a screenshot) with the browser's own decoder, in a blank page of its own. */
export async function decodePng(browser: Browser, png: Uint8Array): Promise<Pixels> {
  const page = await browser.newPage();
  try {
    const result = await page.evaluate(async (b64: string) => {
      const image = new Image();
      image.src = `data:image/png;base64,${b64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let binary = '';
      for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, rgba: btoa(binary) };
    }, Buffer.from(png).toString('base64'));
    return { width: result.width, height: result.height, data: new Uint8Array(Buffer.from(result.rgba, 'base64')) };
  } finally {
    await page.close();
  }
}

/** Counts pixels within `radius` of a point that satisfy `test(r, g, b)`. */
export function countNear(
  pixels: Pixels,
  center: { x: number; y: number },
  radius: number,
  test: (r: number, g: number, b: number) => boolean,
): number {
  let count = 0;
  for (let y = Math.max(0, Math.floor(center.y - radius)); y <= Math.min(pixels.height - 1, Math.ceil(center.y + radius)); y += 1)
    for (let x = Math.max(0, Math.floor(center.x - radius)); x <= Math.min(pixels.width - 1, Math.ceil(center.x + radius)); x += 1) {
      if ((x - center.x) ** 2 + (y - center.y) ** 2 > radius ** 2) continue;
      const o = (y * pixels.width + x) * 4;
      if (test(pixels.data[o]!, pixels.data[o + 1]!, pixels.data[o + 2]!)) count += 1;
    }
  return count;
}
