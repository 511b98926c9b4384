import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatalist } from '@medaas/dataset';
import { validateMmarFolder } from '@medaas/mmar/node';
import { geometryFromAffine } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Runs the demo's source as `npm run demo` runs its build: a separate Node process, real files, real jobs. */
async function demo(args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=@medaas/source', '--import', 'tsx', main, ...args], { timeout: 240_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}

let out: string;
let first: { stdout: string; code: number; stderr: string };
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'medaas-demo-'));
  first = await demo(['--out', out]);
}, 300_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('npm run demo on the embedded defaults', () => {
  it('runs every step of the workflow and exits 0', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const step of ['1. converting', '2. starting the AIAA server as a local batch job', '3. annotating', '4. putting the validated pair', '6. writing the MMAR', 'medaas demo: done']) {
      expect(first.stdout).toContain(step);
    }
    expect(first.stdout).toMatch(/MR series, 20 slices -> 220 x 220 x 140 voxels/);
    expect(first.stdout).toMatch(/models: segmentation_threshold, annotation_dextr3d, deepgrow_3d/);
  });

  it('converted the DICOM series to 1 mm and wrote three masks on that grid', async () => {
    const image = await readNiftiFile(join(out, 'converted', 'series_002_MR.nii.gz'));
    expect(geometryFromAffine(image.affine).spacingMm.map((s) => +s.toFixed(5))).toEqual([1, 1, 1]);
    for (const name of ['auto_segmentation', 'dextr3d', 'deepgrow']) {
      const mask = await readNiftiFile(join(out, 'masks', `${name}.nii.gz`));
      expect(mask.dims).toEqual(image.dims);
      expect(mask.affine).toEqual(image.affine);
      expect(mask.datatype).toBe('uint8');
      expect((mask.data as Uint8Array).some((v) => v > 0)).toBe(true);
    }
  });

  it('put the validated pair into the project folder and a 70:20:10 data list, with an MMAR that validates', async () => {
    const datalist = parseDatalist(await readFile(join(out, 'project', 'dataset_0.json'), 'utf8'));
    const all = [...datalist.training, ...datalist.validation, ...datalist.testing].map((e) => String(e.image));
    expect(all).toHaveLength(10);
    expect(all).toContain('imagesTr/case_dicom_002.nii.gz');
    expect([datalist.training.length, datalist.validation.length, datalist.testing.length]).toEqual([7, 2, 1]);
    const environment = JSON.parse(await readFile(join(out, 'mmar', 'config', 'environment.json'), 'utf8'));
    expect(environment.DATA_ROOT).toBe(join(out, 'project'));
    expect(await validateMmarFolder(join(out, 'mmar'), { dataRoot: join(out, 'project') })).toEqual([]);
  });

  it('a second run keeps every case in its part and leaves no server process behind', async () => {
    const before = await readFile(join(out, 'project', 'dataset_0.json'), 'utf8');
    const second = await demo(['--out', out]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('10 earlier cases kept their part');
    expect(await readFile(join(out, 'project', 'dataset_0.json'), 'utf8')).toBe(before);
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout).not.toMatch(/aiaa-server\.ts --port/);
  }, 300_000);

  it('refuses bad flags with the usage and exit code 2', async () => {
    const bad = await demo(['--ssh', 'nobody@127.0.0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ssh needs --key, --known-hosts and --remote-project');
  });
});
