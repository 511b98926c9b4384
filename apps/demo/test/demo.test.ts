import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
    const { stdout, stderr } = await run(process.execPath, ['--conditions=@medaas/source', '--import', 'tsx', main, ...args], {
      timeout: 240_000,
    });
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
    for (const step of [
      '1. converting',
      '2. starting the AIAA server as a local batch job',
      '3. annotating',
      '4. putting the validated pair',
      '6. writing the MMAR',
      '7. closing the loop',
      'medaas demo: done',
    ]) {
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

  it('trained the MMAR as a job, deployed the model and segments the validated case better than the default model', async () => {
    expect(first.stdout).toContain('train job / running');
    expect(first.stdout).toMatch(/train \/ epoch 9: loss \d\.\d{4}, val_mean_dice \d\.\d{4}/);
    expect(first.stdout).toMatch(/train job \/ ended succeeded, best \d\.\d{4} at epoch \d/);
    const match = /Dice against the validated mask: (\d\.\d{4}) with segmentation_threshold, (\d\.\d{4}) with segmentation_trained/.exec(
      first.stdout,
    );
    expect(match).not.toBeNull();
    const [before, after] = [Number(match![1]), Number(match![2])];
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(0.95);
    // "Before" is the default model's segmentation, which step 3 saved: its Dice, counted here from the files,
    // is the figure the loop printed.
    const auto = (await readNiftiFile(join(out, 'masks', 'auto_segmentation.nii.gz'))).data as Uint8Array;
    const validated = (await readNiftiFile(join(out, 'masks', 'deepgrow.nii.gz'))).data as Uint8Array;
    let both = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < auto.length; i += 1) {
      a += auto[i]! > 0 ? 1 : 0;
      b += validated[i]! > 0 ? 1 : 0;
      both += auto[i]! > 0 && validated[i]! > 0 ? 1 : 0;
    }
    expect((2 * both) / (a + b)).toBeCloseTo(before, 4);
    // The job left its results in the MMAR, where Clara leaves them.
    const model = JSON.parse(await readFile(join(out, 'mmar', 'models', 'model.json'), 'utf8'));
    expect(model).toMatchObject({ format: 'medaas-testkit-window', version: 1 });
    expect(model.high).toBeGreaterThan(model.low);
    const metrics = JSON.parse(await readFile(join(out, 'mmar', 'eval', 'metrics.json'), 'utf8'));
    expect(metrics.val_mean_dice).toBeGreaterThan(0.95);
    expect(first.stdout).toMatch(new RegExp(`Dice\\s+${before.toFixed(4)} before, ${after.toFixed(4)} after training`));
    // The validated case may be one the job trained on; the testing part never is, and improves as well.
    const datalist = parseDatalist(await readFile(join(out, 'project', 'dataset_0.json'), 'utf8'));
    const testing = String(datalist.testing[0]!.image).replace(/^imagesTr\/|\.nii\.gz$/g, '');
    const held = new RegExp(
      `Dice on held-out testing case ${testing} \\(never trained on\\): (\\d\\.\\d{4}) with segmentation_threshold, (\\d\\.\\d{4}) with segmentation_trained`,
    ).exec(first.stdout);
    expect(held).not.toBeNull();
    expect(Number(held![2])).toBeGreaterThan(Number(held![1]));
    expect(Number(held![2])).toBeGreaterThan(0.95);
  });

  it('a second run, configured by a --config file, keeps every case in its part and leaves no server process behind', async () => {
    const before = await readFile(join(out, 'project', 'dataset_0.json'), 'utf8');
    const config = join(out, 'demo.json');
    await writeFile(config, JSON.stringify({ out, seed: 2026 }));
    const second = await demo(['--config', config]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('10 earlier cases kept their part');
    expect(await readFile(join(out, 'project', 'dataset_0.json'), 'utf8')).toBe(before);
    // This demo's own processes: their scripts are in its work folder (other test files run servers too).
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((line) => line.includes(out) && /server\.mjs|fit\.mjs|server-cli|fit-cli/.test(line))).toEqual([]);
  }, 300_000);

  it('exits 1 with a clear message when a step fails (a folder without DICOM files)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'medaas-demo-empty-'));
    try {
      const failed = await demo(['--out', join(empty, 'out'), '--dicom', empty]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('1. converting');
      expect(failed.stdout).not.toContain('2. starting');
      expect(failed.stderr).toMatch(/medaas demo failed: \[DICOM_[A-Z_]+\] /);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses bad flags with the usage and exit code 2', async () => {
    const bad = await demo(['--ssh', 'nobody@127.0.0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ssh needs --known-hosts and --remote-project');
    const command = await demo([
      '--ssh',
      'ana@login',
      '--key',
      'id',
      '--known-hosts',
      'kh',
      '--remote-project',
      '/p',
      '--train-command',
      'train.sh',
    ]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('--train-command must be a JSON array of strings');
  });
});
