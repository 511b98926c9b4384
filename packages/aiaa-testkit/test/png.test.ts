import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePng, encodePng } from '../src/png.js';
import { HttpProblem } from '../src/errors.js';
import { resolveLimits } from '../src/limits.js';

const limits = resolveLimits();

// Pillow (Debian python3-pil) is the reference PNG reader and writer.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-png-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pillow = (script: string, ...args: string[]): string =>
  execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });

describe('PNG for 2-D fixpolygon', () => {
  it('reads what Pillow writes: greyscale 8 and 16 bit, RGB, RGBA, every row filter Pillow picks', async () => {
    for (const mode of ['L', 'I;16', 'RGB', 'RGBA', 'LA']) {
      const path = join(dir, `${mode.replace(/\W/g, '_')}.png`);
      const expected = JSON.parse(
        pillow(
          `import sys, json
from PIL import Image
import random
random.seed(5)
w, h = 37, 23
mode = sys.argv[1]
img = Image.new(mode, (w, h))
px = img.load()
for y in range(h):
    for x in range(w):
        v = (x * 7 + y * 13 + random.randint(0, 3)) % 256
        px[x, y] = {'L': v, 'I;16': v * 200, 'RGB': (v, 255 - v, (v * 3) % 256), 'RGBA': (v, 255 - v, (v * 3) % 256, 128), 'LA': (v, 40)}[mode]
img.save(sys.argv[2], optimize=True)
grey = img.convert('L') if mode in ('RGB', 'RGBA') else img
out = [int(round(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])) if mode in ('RGB', 'RGBA') else (p[0] if mode == 'LA' else p) for p in img.getdata()]
print(json.dumps(out))`,
          mode,
          path,
        ),
      ) as number[];
      const image = await decodePng(new Uint8Array(await readFile(path)), limits);
      expect([image.width, image.height], mode).toEqual([37, 23]);
      const got = [...image.data];
      const off = got.map((v, i) => Math.abs(v - expected[i]!)).reduce((a, b) => Math.max(a, b), 0);
      expect(off, mode).toBeLessThanOrEqual(mode.startsWith('RGB') ? 1 : 0);
    }
  });

  it('writes PNGs Pillow reads back exactly', async () => {
    const data = Uint8Array.from({ length: 31 * 17 }, (_, i) => (i * 5) % 256);
    const path = join(dir, 'ours.png');
    await writeFile(path, encodePng({ width: 31, height: 17, data }));
    const read = JSON.parse(
      pillow(
        `import sys, json\nfrom PIL import Image\nimg = Image.open(sys.argv[1])\nprint(json.dumps([img.mode, img.size, list(img.getdata())]))`,
        path,
      ),
    );
    expect(read).toEqual(['L', [31, 17], [...data]]);
  });

  it('answers broken or unsupported PNGs with a 400 (413 for a size over the limits), never a crash', async () => {
    const good = encodePng({ width: 8, height: 8, data: new Uint8Array(64).fill(9) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: good.length }),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 6 }),
        async (cut, edits) => {
          const bytes = new Uint8Array(good.subarray(0, cut));
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          try {
            await decodePng(bytes, limits);
          } catch (error) {
            expect(error).toBeInstanceOf(HttpProblem);
            expect([400, 413]).toContain((error as HttpProblem).status);
          }
        },
      ),
      { numRuns: 500, seed: 3 },
    );
  });
});
