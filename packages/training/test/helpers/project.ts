import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Colin27 T1 (Debian mricron-data) and its brain-extracted version, whose voxels > 0 are the brain mask. */
export const COLIN_T1 = '/usr/share/mricron/templates/ch2.nii.gz';
export const COLIN_BET = '/usr/share/mricron/templates/ch2bet.nii.gz';

/** The case every loop test segments and scores: the Colin27 T1 and its brain mask, as NIfTI bytes. */
export async function colinCase(): Promise<{ image: Uint8Array; reference: Uint8Array }> {
  return { image: new Uint8Array(await readFile(COLIN_T1)), reference: new Uint8Array(await readFile(COLIN_BET)) };
}

/** The AIAA config the trained model is deployed with, as in an MMAR's config/config_aiaa.json. */
export const CONFIG_AIAA = { version: '1', type: 'segmentation', labels: ['brain'], description: 'Brain mask fitted on validated Colin27' };

/**
 * A world-readable project folder with one validated pair (Colin27 T1 + its brain mask) in its data list,
 * and an MMAR whose environment points at it; `dataRoot` is where a job will see the project (the same
 * folder locally, an uploaded copy on a cluster).
 */
export function writeProject(options: { dataRoot?: string; mmarDir?: string; missing?: boolean } = {}): {
  root: string;
  mmar: string;
  files: string[];
} {
  const root = mkdtempSync(join(tmpdir(), 'medaas-training-project-'));
  const dataRoot = options.dataRoot ?? root;
  const mmarDir = options.mmarDir ?? join(root, 'mmar');
  for (const dir of ['imagesTr', 'labelsTr', 'mmar/config', 'mmar/commands']) mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(COLIN_T1, join(root, 'imagesTr', 'colin27.nii.gz'));
  copyFileSync(COLIN_BET, join(root, 'labelsTr', 'colin27.nii.gz'));
  const pair = { image: 'imagesTr/colin27.nii.gz', label: options.missing ? 'labelsTr/missing.nii.gz' : 'labelsTr/colin27.nii.gz' };
  writeFileSync(join(root, 'dataset_0.json'), JSON.stringify({ training: [pair], validation: [pair] }, null, 2));
  writeFileSync(
    join(root, 'mmar', 'config', 'environment.json'),
    JSON.stringify(
      { DATA_ROOT: dataRoot, DATASET_JSON: `${dataRoot}/dataset_0.json`, MMAR_CKPT_DIR: 'models', MMAR_EVAL_OUTPUT_PATH: 'eval' },
      null,
      2,
    ),
  );
  writeFileSync(join(root, 'mmar', 'config', 'config_aiaa.json'), JSON.stringify(CONFIG_AIAA, null, 2));
  for (const dir of [
    root,
    join(root, 'imagesTr'),
    join(root, 'labelsTr'),
    join(root, 'mmar'),
    join(root, 'mmar', 'config'),
    join(root, 'mmar', 'commands'),
  ])
    chmodSync(dir, 0o755);
  void mmarDir;
  return {
    root,
    mmar: join(root, 'mmar'),
    files: [
      'imagesTr/colin27.nii.gz',
      'labelsTr/colin27.nii.gz',
      'dataset_0.json',
      'mmar/config/environment.json',
      'mmar/config/config_aiaa.json',
    ],
  };
}
