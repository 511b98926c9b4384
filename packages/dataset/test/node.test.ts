import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitDataset, toDatalist } from '@medaas/dataset';
import { readDatalist, scanDataset, writeDatalist } from '@medaas/dataset/node';

const temporary: string[] = [];
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medaas-dataset-'));
  temporary.push(dir);
  return dir;
}

describe('scanDataset, writeDatalist, readDatalist', () => {
  it('scans an MSD folder, splits, writes the data list atomically and reads it back', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'imagesTr'));
    await mkdir(join(root, 'labelsTr'));
    for (let i = 1; i <= 12; i++) {
      await writeFile(join(root, 'imagesTr', `spleen_${i}.nii.gz`), 'x');
      if (i !== 12) await writeFile(join(root, 'labelsTr', `spleen_${i}.nii.gz`), 'x');
    }
    await writeFile(join(root, 'imagesTr', '._spleen_1.nii.gz'), 'x');
    const { pairs, findings } = await scanDataset(root);
    expect(pairs).toHaveLength(11);
    expect(pairs[0]).toEqual({ case: 'spleen_1', image: 'imagesTr/spleen_1.nii.gz', label: 'labelsTr/spleen_1.nii.gz' });
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ['IGNORED_FILE', 'imagesTr/._spleen_1.nii.gz'],
      ['UNPAIRED_IMAGE', 'imagesTr/spleen_12.nii.gz'],
    ]);
    const datalist = toDatalist(splitDataset(pairs, { seed: 2026 }));
    const path = join(root, 'dataset_0.json');
    await writeDatalist(path, datalist);
    expect(await readDatalist(path)).toEqual(datalist);
    expect(await readdir(root)).toEqual(['dataset_0.json', 'imagesTr', 'labelsTr']);
    expect(await readFile(path, 'utf8')).toMatch(/^\{\n {4}"num_training": 8,\n {4}"num_validation": 2,\n {4}"num_testing": 1,/);
  });

  it('refuses an inconsistent data list and leaves no file behind on a failed write', async () => {
    const root = await tempDir();
    const datalist = toDatalist({ training: ['a.nii.gz'] });
    await expect(writeDatalist(join(root, 'x.json'), { ...datalist, num_training: 5 })).rejects.toMatchObject({
      code: 'DATASET_INVALID_DATALIST',
    });
    await mkdir(join(root, 'taken.json'));
    await expect(writeDatalist(join(root, 'taken.json'), datalist)).rejects.toMatchObject({ code: 'DATASET_IO' });
    expect(await readdir(root)).toEqual(['taken.json']);
  });

  it('reports a missing folder or file as DATASET_IO, and a bad file with line and column', async () => {
    const root = await tempDir();
    await expect(scanDataset(root)).rejects.toMatchObject({ code: 'DATASET_IO' });
    await expect(readDatalist(join(root, 'none.json'))).rejects.toMatchObject({ code: 'DATASET_IO' });
    await writeFile(join(root, 'bad.json'), '{\n  "training": [,]\n}');
    await expect(readDatalist(join(root, 'bad.json'))).rejects.toMatchObject({
      code: 'DATASET_INVALID_JSON',
      details: { line: 2, column: 16 },
    });
  });

  it('scans one folder holding images and labels with a naming rule, and honours the signal', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'cases'));
    for (const name of ['a_img.nii.gz', 'a_seg.nii.gz', 'b_img.nii.gz']) await writeFile(join(root, 'cases', name), 'x');
    const rule = { image: /^(.+)_img\.nii\.gz$/, label: /^(.+)_seg\.nii\.gz$/ };
    const result = await scanDataset(root, { images: 'cases', labels: 'cases', rule });
    expect(result.pairs).toEqual([{ case: 'a', image: 'cases/a_img.nii.gz', label: 'cases/a_seg.nii.gz' }]);
    expect(result.findings.map((f) => f.code)).toEqual(['UNPAIRED_IMAGE']);
    const reason = new Error('stop');
    await expect(scanDataset(root, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
