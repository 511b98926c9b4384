import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the fixture MMARs. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The fixture MMARs written from NVIDIA's published Clara Train 4 archives, plus a BYOC one. */
export const MMAR_FIXTURES = ['clara_pt_spleen_ct_segmentation', 'clara_pt_liver_and_tumor_ct_segmentation', 'clara_pt_deepgrow_3d_annotation', 'byoc_segmentation'] as const;

/** Reads a fixture file's text. */
export function fixtureText(mmar: string, path: string): string {
  return readFileSync(join(FIXTURES, mmar, path), 'utf8');
}

/** Every file of a fixture MMAR as text (synchronously, for tests of the platform-neutral API). */
export function fixtureFiles(mmar: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string): void => {
    for (const name of readdirSync(join(FIXTURES, mmar, prefix)).sort()) {
      const path = prefix ? `${prefix}/${name}` : name;
      if (statSync(join(FIXTURES, mmar, path)).isDirectory()) walk(path);
      else if (!path.startsWith('models/')) out[path] = fixtureText(mmar, path);
    }
  };
  walk('');
  return out;
}

/** The lines that differ between two texts of the same number of lines, as [before, after] pairs. */
export function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) throw new Error(`line count changed: ${a.length} -> ${b.length}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i] as string] as [string, string]]));
}
