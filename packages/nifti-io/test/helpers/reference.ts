import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Debian's interpreter: python3-nibabel and python3-scipy install for it, not for any other python3
 * that may come first on PATH.
 */
export const PYTHON = '/usr/bin/python3';
const TOOL = fileURLToPath(new URL('../reference/nib_tool.py', import.meta.url));

/** The folder of Debian's mricron-data NIfTI volumes (Colin27 and atlases). */
export const MRICRON = '/usr/share/mricron/templates';

/** What nibabel reports about a file. */
export interface NibabelView {
  readonly shape: number[];
  readonly dtype: string;
  readonly affine: number[][];
  readonly sform_code: number;
  readonly qform_code: number;
  readonly slope: number | null;
  readonly inter: number | null;
  readonly zooms: number[];
  readonly version: 1 | 2;
  readonly endian: '<' | '>';
  readonly descrip: string;
  readonly intent: string;
  /** The stored voxel values, Fortran order, little-endian. */
  readonly raw: Uint8Array;
}

/** One fixture that nibabel wrote. */
export interface NibabelFixture {
  readonly file: string;
  readonly dtype: string;
  readonly version: 1 | 2;
  readonly endian: '<' | '>';
  readonly gz: boolean;
  readonly shape: number[];
  readonly scale?: [number, number];
  readonly qform_only?: boolean;
  readonly tr?: number;
}

/** Fails loudly when the reference tools are missing: tests never skip silently in CI. */
export function requireReferenceTools(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup-test-env.sh`);
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel, numpy'], { stdio: 'pipe' });
  } catch {
    throw new Error('python3-nibabel is missing: run scripts/setup-test-env.sh (apt-get install python3-nibabel)');
  }
}

/** Has nibabel write the fixture set into `dir`; returns its manifest. */
export function writeNibabelFixtures(dir: string): NibabelFixture[] {
  return JSON.parse(execFileSync(PYTHON, [TOOL, 'fixtures', dir], { encoding: 'utf8' })) as NibabelFixture[];
}

/** Has nibabel load `file` and report shape, dtype, affine, codes and raw voxels. */
export async function describeWithNibabel(file: string, scratch: string): Promise<NibabelView> {
  const raw = `${scratch}/${Math.random().toString(36).slice(2)}.raw`;
  const json = execFileSync(PYTHON, [TOOL, 'describe', file, raw], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return { ...(JSON.parse(json) as Omit<NibabelView, 'raw'>), raw: new Uint8Array(await readFile(raw)) };
}

/** The largest absolute difference between two 4x4 matrices. */
export function maxAffineDifference(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  let max = 0;
  for (let r = 0; r < 4; r += 1) for (let c = 0; c < 4; c += 1) max = Math.max(max, Math.abs(a[r]![c]! - b[r]![c]!));
  return max;
}

/** The voxel bytes of a typed array. */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Whether two byte arrays are equal, without making a giant diff on failure. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
