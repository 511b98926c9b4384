import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries, readDicomSeg, type DicomInput } from '@medaas/dicom';
import { resample } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';
import { startOrthanc, type OrthancInstance } from '../../../packages/dicom/test/helpers/orthanc.js';
import { preparePacsStudy } from '../../../packages/dicom/test/helpers/pacs-data.js';
import { DEMO_IDENTITY } from '../src/steps/local-pacs.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Outcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

async function demo(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return run(process.execPath, ['--conditions=@medaas/source', '--import', 'tsx', main, ...args], {
    timeout: 400_000,
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout?: string; stderr?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
      code: error.code ?? -1,
    }),
  );
}

async function filesOf(dir: string): Promise<DicomInput[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(dir, name))) })));
}

/** Every file under `dir`, recursively, except under the folders named in `skip`. */
async function walk(dir: string, skip: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(entry.name)) out.push(...(await walk(path, skip)));
    } else out.push(path);
  }
  return out;
}

describe('npm run demo -- --pacs (a local Orthanc holding the demo series)', () => {
  let out: string;
  let first: Outcome;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'medaas-demo-pacs-'));
    first = await demo(['--out', out, '--pacs']);
  }, 420_000);
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('finds, retrieves and de-identifies the study, then stores the validated mask back as DICOM SEG in the original study', () => {
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain(
      '0. hospital side: finding the study in a local Orthanc holding the demo series (QIDO-RS), retrieving it (WADO-RS), de-identifying it',
    );
    expect(first.stdout).toMatch(/study 2\.25\.\d+: MR series 2\.25\.\d+, 20 instances/);
    expect(first.stdout).toMatch(/de-identified 20 instances: \d+ attributes removed or replaced/);
    const listed = /now lists 2 series in study (2\.25\.\d+): (.+)/.exec(first.stdout);
    expect(listed, first.stdout).not.toBeNull();
    expect(listed![2]).toMatch(/SEG 2\.25\.\d+/);
    expect(listed![2]).toMatch(/MR 2\.25\.\d+/);
    expect(first.stdout).toContain(`DICOM SEG         ${join(out, 'hospital', 'validated-mask.seg.dcm')} (stored in the PACS`);
  });

  it('sends nothing identifying to the cluster side: no planted identifier in any file outside the hospital folder, nor in the output', async () => {
    const outside = await walk(out, ['hospital']);
    expect(outside.some((f) => f.includes(`${join(out, 'deidentified')}`))).toBe(true);
    const planted = Object.values(DEMO_IDENTITY);
    for (const file of outside) {
      const text = (await readFile(file)).toString('latin1');
      for (const value of planted) expect(text.includes(value), `${value} in ${file}`).toBe(false);
    }
    for (const value of planted) expect(first.stdout + first.stderr).not.toContain(value);
    // ... while the hospital's own copy and the SEG for its PACS carry the patient, as they must.
    const seg = (await readFile(join(out, 'hospital', 'validated-mask.seg.dcm'))).toString('latin1');
    expect(seg).toContain(DEMO_IDENTITY.patientId);
  });

  it('writes a SEG that dciodvfy validates without errors, and whose mask is the validated one on the original grid', async () => {
    const segPath = join(out, 'hospital', 'validated-mask.seg.dcm');
    const { stderr } = await run('dciodvfy', [segPath]).catch((e: { stdout: string; stderr: string }) => e);
    expect(stderr.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    const originalDir = join(out, 'hospital', 'original');
    const [seriesDir] = await readdir(originalDir);
    const source = await filesOf(join(originalDir, seriesDir!));
    const read = await readDicomSeg(new Uint8Array(await readFile(segPath)), source);
    expect(read.segments.map((s) => s.name)).toEqual(['object']);
    const grid = await convertDicomSeries(source);
    const expected = await resample(await readNiftiFile(join(out, 'masks', 'deepgrow.nii.gz')), { like: grid }, { interpolation: 'label' });
    expect(read.mask.dims).toEqual(grid.dims);
    let differ = 0;
    let ones = 0;
    for (let i = 0; i < expected.data.length; i += 1) {
      if (Number(expected.data[i]) !== Number(read.mask.data[i])) differ += 1;
      if (Number(expected.data[i]) === 1) ones += 1;
    }
    expect(ones).toBeGreaterThan(1000);
    expect(differ).toBe(0);
  });
});

describe('npm run demo -- --pacs URL (a PACS with HTTP Basic authentication)', () => {
  let orthanc: OrthancInstance;
  let out: string;
  let study: Awaited<ReturnType<typeof preparePacsStudy>>;
  beforeAll(async () => {
    orthanc = await startOrthanc({ auth: true });
    out = await mkdtemp(join(tmpdir(), 'medaas-demo-pacs-url-'));
    study = await preparePacsStudy(join(out, 'seed'), { seed: 'demo-pacs-url' });
    await orthanc.upload(study.files);
  }, 300_000);
  afterAll(async () => {
    await orthanc?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('refuses wrong credentials with a typed error, printing no secret', async () => {
    const wrong = await demo(['--out', join(out, 'wrong'), '--pacs', orthanc.dicomWebUrl], {
      MEDAAS_PACS_USER: orthanc.auth!.username,
      MEDAAS_PACS_PASSWORD: 'not-the-password-4711',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[DICOMWEB_UNAUTHORIZED]');
    expect(wrong.stdout + wrong.stderr).not.toContain('not-the-password-4711');
  }, 120_000);

  it('takes the named study from the PACS and the PACS then lists the SEG in that study', async () => {
    const { username, password } = orthanc.auth!;
    const done = await demo(['--out', join(out, 'run'), '--pacs', orthanc.dicomWebUrl, '--study', study.studyUid], {
      MEDAAS_PACS_USER: username,
      MEDAAS_PACS_PASSWORD: password,
    });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout + done.stderr).not.toContain(password);
    // Asked of the PACS directly, not through the SDK.
    const response = await fetch(`${orthanc.dicomWebUrl}/studies/${study.studyUid}/series`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, accept: 'application/dicom+json' },
    });
    const series = (await response.json()) as { '00080060': { Value: string[] }; '0020000E': { Value: string[] } }[];
    expect(series.map((s) => s['00080060'].Value[0]).sort()).toEqual(['MR', 'SEG']);
    expect(series.map((s) => s['0020000E'].Value[0])).toContain(study.seriesUid);
  }, 420_000);
});
