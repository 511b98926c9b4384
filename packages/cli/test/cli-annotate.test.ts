import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dice, extremePointsOf, spherePhantom } from '@medaas/aiaa-testkit';
import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, medaas, startMedaas } from './helpers/run-medaas.js';

const CENTER: [number, number, number] = [30, 28, 20];
const phantom = spherePhantom({ spheres: [{ center: CENTER, radius: 11, value: 1000 }] });

let work: string;
let image: string;
beforeAll(async () => {
  await buildCli();
  work = await mkdtemp(join(tmpdir(), 'medaas-cli-annotate-'));
  image = join(work, 'sphere.nii.gz');
  await writeNiftiFile(image, phantom.volume);
}, 620_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The Dice of a mask file the CLI wrote against the phantom's true sphere. */
async function diceOf(path: string): Promise<number> {
  const mask = await readNiftiFile(path);
  expect(mask.dims).toEqual(phantom.volume.dims);
  return dice(mask.data as ArrayLike<number>, phantom.truth);
}

for (const protocol of ['aiaa', 'monai-label'] as const) {
  describe(`against the testkit's ${protocol} face, started with medaas server start`, () => {
    let server: ReturnType<typeof startMedaas>;
    let url: string;
    beforeAll(async () => {
      server = startMedaas(['server', 'start', '--protocol', protocol]);
      url = (await server.waitFor(/^(http:\/\/127\.0\.0\.1:\d+)\n/m))[1]!;
    });
    afterAll(async () => {
      if (server.child.exitCode === null) server.child.kill('SIGTERM');
      await server.exited;
    });

    it('annotate segment: the mask written is the sphere', async () => {
      const out = join(work, `${protocol}-segment.nii.gz`);
      const result = await medaas(['annotate', 'segment', image, '--url', url, '--out', out, '--json']);
      expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
      expect(await diceOf(out)).toBeGreaterThan(0.9);
      const reply = JSON.parse(result.stdout) as { mask: string; model: string; labelledVoxels: number };
      expect(reply.mask).toBe(out);
      expect(reply.labelledVoxels).toBeGreaterThan(0);
      // Piped, the upload's progress is plain lines labelled by its call.
      expect(result.stderr).toMatch(/^upload sphere\.nii\.gz: /m);
    });

    it('annotate deepgrow: a click at the centre grows the sphere; a malformed click is a usage error', async () => {
      const out = join(work, `${protocol}-deepgrow.nii.gz`);
      const result = await medaas(['annotate', 'deepgrow', image, '--url', url, '--out', out, '--fg', CENTER.join(','), '--bg', '1,1,1']);
      expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^wrote .*deepgrow\.nii\.gz: [\d,]+ labelled voxels from \S+$/m);
      expect(await diceOf(out)).toBeGreaterThan(0.9);
      const bad = await medaas(['annotate', 'deepgrow', image, '--url', url, '--out', out, '--fg', '30,28']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('medaas: CLI_USAGE: --fg must be a voxel index x,y,z of three non-negative integers, not "30,28"\n');
    });

    it('a model the server lacks: its name and the models it has, exit 2', async () => {
      const result = await medaas([
        'annotate',
        'segment',
        image,
        '--url',
        url,
        '--out',
        join(work, 'x.nii.gz'),
        '--model',
        'no_such_model',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^medaas: CLI_USAGE: the server at http:\/\/127\.0\.0\.1:\d+ has no model "no_such_model" \(it has .+\)$/m,
      );
    });
  });
}

describe('DEXTR3D and faults', () => {
  let server: ReturnType<typeof startMedaas>;
  let url: string;
  beforeAll(async () => {
    server = startMedaas(['server', 'start', '--json']);
    url = (JSON.parse((await server.waitFor(/^(\{.*\})\n/m))[1]!) as { url: string }).url;
  });

  it('annotate dextr3d: six extreme points of the sphere give the sphere', async () => {
    const out = join(work, 'dextr3d.nii.gz');
    const points = extremePointsOf(phantom.truth, phantom.volume.dims).flatMap((p) => ['--point', p.join(',')]);
    const result = await medaas(['annotate', 'dextr3d', image, '--url', url, '--out', out, ...points]);
    expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
    expect(await diceOf(out)).toBeGreaterThan(0.85);
    const five = await medaas(['annotate', 'dextr3d', image, '--url', url, '--out', out, ...points.slice(0, 10)]);
    expect(five.code).toBe(2);
    expect(five.stderr).toContain('at least six --point');
  });

  it('an unreachable server: one line with the connection error code, exit 1, no mask', async () => {
    const out = join(work, 'unreachable.nii.gz');
    const result = await medaas(['annotate', 'segment', image, '--url', 'http://127.0.0.1:9', '--out', out, '--protocol', 'aiaa']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^medaas: AIAA_[A-Z_]+: .*127\.0\.0\.1:9/);
    expect((await readdir(work)).filter((f) => f.startsWith('unreachable'))).toEqual([]);
  });

  it('a password is never taken from a flag, and never printed', async () => {
    const flag = await medaas(['annotate', 'segment', image, '--url', url, '--out', join(work, 'p.nii.gz'), '--password', 'hunter2']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).not.toContain('hunter2');
  });

  it('Ctrl-C stops the server: exit 130, and the port no longer answers', async () => {
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(130);
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
  });
});
