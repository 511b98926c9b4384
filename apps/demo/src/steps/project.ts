import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SshSession } from '@medaas/cluster-ssh';
import { splitDataset, toDatalist, type DatalistEntry } from '@medaas/dataset';
import { readDatalist, scanDataset, writeDatalist } from '@medaas/dataset/node';
import { writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { DemoError } from '../demo-error.js';

/** The project folder training reads: MSD layout, `imagesTr/` + `labelsTr/`, and `dataset_0.json`. */
export interface ProjectResult {
  readonly folder: string;
  readonly caseId: string;
  readonly datalist: string;
  readonly counts: { readonly training: number; readonly validation: number; readonly testing: number };
  /** The part of the data list the new case went to. */
  readonly part: 'training' | 'validation' | 'testing';
  /** Cases that were in the data list before and kept their part (none moved). */
  readonly keptInPlace: number;
  readonly uploaded: readonly string[];
}

/**
 * Step 4 and 5: puts the validated image + mask pair into the project folder (written under a temporary
 * name, renamed when complete), uploads it to the cluster's project folder when there is one (SFTP,
 * verified), and grows the data list with a stable 70:20:10 split: cases already listed never move.
 * A new project starts with nine earlier "validated" phantom cases, so the split and the training in step 7
 * have something to work on.
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
  const uploaded = remote ? await uploadProject(folder, [image, label], split, remote) : [];
  return {
    folder,
    caseId: pair.caseId,
    datalist: datalistPath,
    counts: { training: split.training.length, validation: split.validation.length, testing: split.testing.length },
    part: (['training', 'validation', 'testing'] as const).find((part) => split[part].some((entry) => entry.image === image)) ?? 'training',
    keptInPlace: before,
    uploaded,
  };
}

/**
 * Uploads the new pair and the data list, and every other listed file the cluster lacks (a new remote
 * project receives the earlier cases too), so that a training job there finds every file its data list names.
 */
async function uploadProject(
  folder: string,
  fresh: readonly string[],
  split: {
    readonly training: readonly DatalistEntry[];
    readonly validation: readonly DatalistEntry[];
    readonly testing: readonly DatalistEntry[];
  },
  remote: { readonly session: SshSession; readonly folder: string },
): Promise<string[]> {
  const listed = [...split.training, ...split.validation, ...split.testing].flatMap((entry) => [
    ...[entry.image].flat(),
    ...(typeof entry.label === 'string' ? [entry.label] : []),
  ]);
  const others = [...new Set(listed)].filter((path) => !fresh.includes(path));
  // One round trip: the shell prints the paths that do not exist (argv words, quoted by the session).
  const check = await remote.session.exec([
    'sh',
    '-c',
    'for f in "$@"; do [ -e "$f" ] || printf "%s\\n" "$f"; done',
    'sh',
    ...others.map((path) => `${remote.folder}/${path}`),
  ]);
  if (check.exitCode !== 0)
    throw new DemoError('DEMO_STEP_FAILED', `could not list the project files on the cluster: ${check.stderr.trim()}`);
  const missing = new Set(check.stdout.split('\n').filter(Boolean));
  const uploaded: string[] = [];
  for (const path of [...fresh, ...others.filter((p) => missing.has(`${remote.folder}/${p}`)), 'dataset_0.json']) {
    await remote.session.upload(join(folder, path), `${remote.folder}/${path}`);
    uploaded.push(`${remote.folder}/${path}`);
  }
  return uploaded;
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

/**
 * Nine phantom cases standing for pairs validated earlier: a structure (about 470) wrapped in a shell of
 * surrounding tissue (about 300) in noise, and the structure's mask. The intensities resemble the demo's MR
 * series, where the default model (Otsu's threshold) also takes the surrounding tissue and the doctor's
 * validated mask does not: the same lesson in every case, so that training has something to learn.
 */
async function seedEarlierCases(folder: string): Promise<void> {
  for (let n = 1; n <= 9; n += 1) {
    const center = [24, 24, 16] as const;
    const radius = 5 + n / 2;
    const { volume, truth } = spherePhantom({
      dims: [48, 48, 32],
      spheres: [
        { center, radius: radius + 4, value: 300 },
        { center, radius, value: 470 },
      ],
      noise: 35,
      seed: n,
    });
    const structure = truth.map((label) => (label === 2 ? 1 : 0));
    const id = `case_${String(n).padStart(3, '0')}`;
    await writeNiftiFile(join(folder, 'imagesTr', `${id}.nii.gz`), volume);
    await writeMaskFile(join(folder, 'labelsTr', `${id}.nii.gz`), { ...volume, datatype: 'uint8', data: structure });
  }
}
