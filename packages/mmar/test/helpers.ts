import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the fixture MMARs. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * The fixture MMARs, written by hand in the layouts of NVIDIA's published archives: Clara Train 4
 * (spleen, liver and tumour, DeepGrow 2-D and 3-D, prostate with training variants and NVFlare federated
 * configs), Clara Train 3 (TensorFlow spleen with AutoML and federated configs), and archives whose
 * training is their own (BYOC components, a BYOT trainer, an nnU-Net-style trainer).
 */
export const MMAR_FIXTURES = [
  'clara_pt_spleen_ct_segmentation',
  'clara_pt_liver_and_tumor_ct_segmentation',
  'clara_pt_deepgrow_3d_annotation',
  'clara_pt_deepgrow_2d_annotation',
  'clara_pt_prostate_mri_segmentation',
  'clara_ct_seg_spleen_amp',
  'byoc_segmentation',
  'byot_spleen_segmentation',
  'nnunet_spleen_segmentation',
] as const;

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
