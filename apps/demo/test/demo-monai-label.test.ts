import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNiftiFile } from '@medaas/nifti-io/node';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function demo(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--conditions=@medaas/source', '--import', 'tsx', main, ...args], { timeout: 240_000 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`demo failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );
}

let out: string;
let first: { stdout: string; stderr: string };
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'medaas-demo-ml-'));
  first = await demo(['--out', out, '--protocol', 'monai-label']);
}, 300_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('npm run demo -- --protocol monai-label', () => {
  it('starts the MONAI Label server as a job, annotates through the common interface and saves the validated label in its datastore', async () => {
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('2. starting the MONAI Label server as a local batch job');
    expect(first.stdout).toContain('3. annotating (MONAI Label): models, auto-segmentation, DeepGrow clicks');
    expect(first.stdout).toContain('models: segmentation, deepgrow_3d, deepgrow_2d, deepedit, scribbles');
    expect(first.stdout).toContain("validated mask saved in the server's datastore as case_dicom_002 (final); image bytes sent 1 time(s)");
    // The datastore on disk, laid out as MONAI Label's local datastore: the validated pair and the earlier cases.
    const index = JSON.parse(await readFile(join(out, 'datastore', 'datastore_v2.json'), 'utf8')) as {
      objects: Record<string, { labels: Record<string, unknown> }>;
    };
    expect(Object.keys(index.objects)).toContain('case_dicom_002');
    expect(Object.values(index.objects).every((o) => 'final' in o.labels)).toBe(true);
    expect(Object.keys(index.objects)).toHaveLength(9);
    const label = await readNiftiFile(join(out, 'datastore', 'labels', 'final', 'case_dicom_002.nii.gz'));
    const validated = await readNiftiFile(join(out, 'masks', 'deepgrow.nii.gz'));
    expect(Buffer.from(label.data as Uint8Array).equals(Buffer.from(validated.data as Uint8Array))).toBe(true);
  });

  it('trains inside the server on its final labels, and segments the validated and the held-out case better', () => {
    expect(first.stdout).toContain('7. closing the loop: training segmentation inside the MONAI Label server (/train/) on its datastore');
    expect(first.stdout).toMatch(/train task \/ DONE: Training finished: best val_mean_dice \d\.\d{4}/);
    const dice =
      /Dice against the validated mask: (\d\.\d{4}) with segmentation \(untrained\), (\d\.\d{4}) with segmentation \(trained\)/.exec(
        first.stdout,
      );
    expect(Number(dice![2])).toBeGreaterThan(Number(dice![1]));
    const held =
      /Dice on held-out testing case (case_\d+) \(never trained on\): (\d\.\d{4}) with segmentation \(untrained\), (\d\.\d{4})/.exec(
        first.stdout,
      );
    expect(held).not.toBeNull();
    // The held-out case never entered the datastore.
    expect(first.stdout).toMatch(/9 of 9 images have a final label \(the testing part stays out\)/);
    expect(Number(held![3])).toBeGreaterThan(0.95);
  });

  it('a second run sends no image again (the datastore has it, by checksum); --train job trains on the MMAR and uploads the weights', async () => {
    const second = await demo(['--out', out, '--protocol', 'monai-label', '--train', 'job']);
    expect(second.stdout).toContain('image bytes sent 0 time(s)');
    expect(second.stdout).toContain('0 earlier cases added, 9 already there');
    expect(second.stdout).toContain('as a local job on the MMAR, its weights uploaded to the server (PUT /model/)');
    expect(second.stdout).toMatch(/train job \/ ended succeeded/);
    expect(second.stdout).toMatch(
      /Dice against the validated mask: \d\.\d{4} with segmentation \(untrained\), \d\.\d{4} with segmentation \(trained\)/,
    );
  }, 300_000);
});
