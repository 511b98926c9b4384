import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { splitDataset, splitAssignments, toDatalist, type DatalistEntry } from '@medaas/dataset';
import { readDatalist, scanDataset, writeDatalist } from '@medaas/dataset/node';

let root = '';
afterAll(async () => rm(root, { recursive: true, force: true }));

async function addCase(name: string): Promise<void> {
  await writeFile(join(root, 'imagesTr', `${name}.nii.gz`), 'x');
  await writeFile(join(root, 'labelsTr', `${name}.nii.gz`), 'x');
}

it('the README quick start: scan, split by patient, write, then grow without moving a case', async () => {
  root = await mkdtemp(join(tmpdir(), 'medaas-dataset-readme-'));
  await mkdir(join(root, 'imagesTr'));
  await mkdir(join(root, 'labelsTr'));
  for (let p = 1; p <= 20; p++) await addCase(`patient${p}_scan1`);
  const datalistPath = join(root, 'dataset_0.json');

  const { pairs } = await scanDataset(root);
  const patient = (p: DatalistEntry): string => String(p.image).split('/')[1]!.split('_scan')[0]!;
  const split = splitDataset<DatalistEntry>(pairs, { seed: 2026, groupBy: patient });
  await writeDatalist(datalistPath, toDatalist(split));

  for (let p = 1; p <= 25; p++) await addCase(`patient${p}_scan2`);
  const previous = await readDatalist(datalistPath);
  const { pairs: now } = await scanDataset(root);
  const grown = splitDataset<DatalistEntry>(now, { seed: 2026, groupBy: patient, existing: previous });
  await writeDatalist(datalistPath, toDatalist(grown));

  const before = splitAssignments(previous);
  const after = splitAssignments(await readDatalist(datalistPath));
  for (const [key, part] of before) expect(after.get(key)).toBe(part);
  expect(after.size).toBe(45);
  for (let p = 1; p <= 20; p++)
    expect(after.get(`imagesTr/patient${p}_scan2.nii.gz`)).toBe(before.get(`imagesTr/patient${p}_scan1.nii.gz`));
});
