import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SshSession } from '@medaas/cluster-ssh';
import { splitDataset, toDatalist, type DatalistEntry } from '@medaas/dataset';
import { readDatalist, scanDataset, writeDatalist } from '@medaas/dataset/node';
import { writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { spherePhantom } from '@medaas/aiaa-testkit';

/** The project folder training reads: MSD layout, `imagesTr/` + `labelsTr/`, and `dataset_0.json`. */
export interface ProjectResult {
  readonly folder: string;
  readonly caseId: string;
  readonly datalist: string;
  readonly counts: { readonly training: number; readonly validation: number; readonly testing: number };
  /** Cases that were in the data list before and kept their part (none moved). */
  readonly keptInPlace: number;
  readonly uploaded: readonly string[];
}

/**
 * Step 4 and 5: puts the validated image + mask pair into the project folder (written under a temporary
 * name, renamed when complete), uploads it to the cluster's project folder when there is one (SFTP,
 * verified), and grows the data list with a stable 70:20:10 split: cases already listed never move.
 * A new project starts with nine earlier "validated" phantom cases, so the split has something to split.
 */
export async function projectStep(
  folder: string,
  pair: { readonly image: string; readonly mask: string; readonly caseId: string },
  seed: number,
  remote: { readonly session: SshSession; readonly folder: string } | undefined,
): Promise<ProjectResult> {
  await mkdir(join(folder, 'imagesTr'), { recursive: true });
  await mkdir(join(folder, 'labelsTr'), { recursive: true });
  if ((await readdir(join(folder, 'imagesTr'))).length === 0) await seedEarlierCases(folder);
  const image = `imagesTr/${pair.caseId}.nii.gz`;
  const label = `labelsTr/${pair.caseId}.nii.gz`;
  await copyAtomically(pair.image, join(folder, image));
  await copyAtomically(pair.mask, join(folder, label));
  const datalistPath = join(folder, 'dataset_0.json');
  const previous = await readDatalist(datalistPath).catch(() => undefined);
  const { pairs } = await scanDataset(folder);
  const split = splitDataset<DatalistEntry>(pairs, { seed, ...(previous ? { existing: previous } : {}) });
  await writeDatalist(datalistPath, toDatalist(split));
  const before = previous ? [...previous.training, ...previous.validation, ...previous.testing].length : 0;
  const uploaded: string[] = [];
  if (remote) {
    for (const path of [image, label, 'dataset_0.json']) {
      await remote.session.upload(join(folder, path), `${remote.folder}/${path}`);
      uploaded.push(`${remote.folder}/${path}`);
    }
  }
  return {
    folder,
    caseId: pair.caseId,
    datalist: datalistPath,
    counts: { training: split.training.length, validation: split.validation.length, testing: split.testing.length },
    keptInPlace: before,
    uploaded,
  };
}

async function copyAtomically(from: string, to: string): Promise<void> {
  const temporary = `${to}.partial`;
  try {
    await copyFile(from, temporary);
    await rename(temporary, to);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Nine phantom cases (a bright ball in noise, and its mask) standing for pairs validated earlier. */
async function seedEarlierCases(folder: string): Promise<void> {
  for (let n = 1; n <= 9; n += 1) {
    const { volume, truth } = spherePhantom({ dims: [48, 48, 32], spheres: [{ center: [24, 24, 16], radius: 6 + n, value: 1000 }], seed: n });
    const id = `case_${String(n).padStart(3, '0')}`;
    await writeNiftiFile(join(folder, 'imagesTr', `${id}.nii.gz`), volume);
    await writeMaskFile(join(folder, 'labelsTr', `${id}.nii.gz`), { ...volume, datatype: 'uint8', data: truth });
  }
}
