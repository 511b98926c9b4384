import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigTrain, setEpochs, stringifyConfig } from '@medaas/mmar';
import { readMmar, readMmarFiles, validateMmarFolder, writeMmar } from '@medaas/mmar/node';
import { FIXTURES, MMAR_FIXTURES } from './helpers.js';

const temporary: string[] = [];
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medaas-mmar-'));
  temporary.push(dir);
  return dir;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('readMmar / writeMmar', () => {
  for (const mmar of MMAR_FIXTURES) {
    it(`${mmar}: read -> write changes no byte, and scripts stay executable`, async () => {
      const source = join(FIXTURES, mmar);
      const target = await tempDir();
      await writeMmar(target, await readMmar(source));
      const files = await listFiles(source);
      expect(await listFiles(target)).toEqual(files);
      for (const path of files) {
        expect(Buffer.compare(await readFile(join(target, path)), await readFile(join(source, path))), path).toBe(0);
        if (path.endsWith('.sh')) expect((await stat(join(target, path))).mode & 0o111, path).toBe(0o111);
      }
    });
  }

  it('reads the configurations into the typed model, configs as text and models as bytes', async () => {
    const archive = await readMmar(join(FIXTURES, 'clara_pt_spleen_ct_segmentation'));
    expect(archive.generation).toBe('clara4');
    expect(archive.train?.value.epochs).toBe(1260);
    expect(archive.environment?.value.DATASET_JSON).toBe('config/dataset_0.json');
    expect(archive.aiaa?.value.labels).toEqual(['spleen']);
    expect([...archive.configs.keys()]).toEqual([
      'config/config_aiaa.json',
      'config/config_inference.json',
      'config/config_train.json',
      'config/config_validation.json',
      'config/environment.json',
    ]);
    expect(typeof archive.files['config/config_train.json']).toBe('string');
    expect(archive.files['models/model.pt']).toBeInstanceOf(Uint8Array);
    const without = await readMmarFiles(join(FIXTURES, 'clara_pt_spleen_ct_segmentation'), { include: (p) => !p.startsWith('models/') });
    expect(Object.keys(without).some((p) => p.startsWith('models/'))).toBe(false);
  });

  it('names the file, line and column of a configuration that is not JSON', async () => {
    const source = await tempDir();
    await mkdir(join(source, 'config'));
    await writeFile(join(source, 'config/environment.json'), '{"DATA_ROOT": "/d",\n  "DATASET_JSON": }');
    await expect(readMmar(source)).rejects.toMatchObject({
      code: 'MMAR_INVALID_JSON',
      details: { file: 'config/environment.json', line: 2, column: 19 },
    });
    expect(await validateMmarFolder(source)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'MMAR_INVALID_JSON', line: 2, column: 19 })]),
    );
  });

  it('an edit changes only the edited bytes on disk', async () => {
    const target = await tempDir();
    const archive = await readMmar(join(FIXTURES, 'clara_pt_liver_and_tumor_ct_segmentation'));
    const files = archive.files;
    const config = setEpochs(parseConfigTrain(files['config/config_train.json'] as string), 50);
    await writeMmar(target, { ...files, 'config/config_train.json': stringifyConfig(config) });
    const before = files['config/config_train.json'] as string;
    const after = await readFile(join(target, 'config/config_train.json'), 'utf8');
    expect(after).toBe(before.replace('"epochs": 1000,', '"epochs": 50,'));
  });

  it('keeps a byte order mark and bytes that are not UTF-8 exactly', async () => {
    const source = await tempDir();
    await mkdir(join(source, 'config'));
    await mkdir(join(source, 'docs'));
    await writeFile(join(source, 'config/environment.json'), '\uFEFF{"DATA_ROOT": "/d"}');
    await writeFile(join(source, 'docs/notes.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const files = await readMmarFiles(source);
    expect(files['docs/notes.txt']).toBeInstanceOf(Uint8Array);
    const target = await tempDir();
    await writeMmar(target, files);
    expect(await readFile(join(target, 'config/environment.json'))).toEqual(await readFile(join(source, 'config/environment.json')));
    expect(await readFile(join(target, 'docs/notes.txt'))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  });

  it('refuses paths outside the MMAR before writing anything', async () => {
    const target = await tempDir();
    for (const bad of ['../escape.json', '/etc/x', 'config/../../x', 'a\\b', '', 'config//x']) {
      await expect(writeMmar(target, { 'config/a.json': '{}', [bad]: 'x' })).rejects.toMatchObject({ code: 'MMAR_UNSAFE_PATH' });
    }
    expect(await readdir(target)).toEqual([]);
  });

  it('leaves no partial or temporary file when a write fails', async () => {
    const target = await tempDir();
    await mkdir(join(target, 'config', 'config_train.json'), { recursive: true });
    await expect(writeMmar(target, { 'config/config_train.json': '{}' })).rejects.toMatchObject({
      code: 'MMAR_IO',
      details: { file: 'config/config_train.json' },
    });
    expect(await readdir(join(target, 'config'))).toEqual(['config_train.json']);
  });

  it('rejects with the signal reason when aborted, and MMAR_IO for a missing folder', async () => {
    const reason = new Error('stop');
    await expect(readMmar(join(FIXTURES, 'byoc_segmentation'), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(writeMmar(await tempDir(), { 'a.txt': 'x' }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(readMmar(join(FIXTURES, 'does-not-exist'))).rejects.toMatchObject({ code: 'MMAR_IO' });
  });
});

describe('validateMmarFolder', () => {
  it('checks the data list against the files on disk', async () => {
    const dataRoot = await tempDir();
    const datalist = JSON.parse(await readFile(join(FIXTURES, 'clara_pt_spleen_ct_segmentation/config/dataset_0.json'), 'utf8')) as Record<
      string,
      { image: string; label: string }[]
    >;
    await mkdir(join(dataRoot, 'imagesTr'));
    await mkdir(join(dataRoot, 'labelsTr'));
    for (const entry of [...(datalist['training'] ?? []), ...(datalist['validation'] ?? [])]) {
      await writeFile(join(dataRoot, entry.image), 'x');
      if (entry.label !== 'labelsTr/spleen_31.nii.gz') await writeFile(join(dataRoot, entry.label), 'x');
    }
    const issues = await validateMmarFolder(join(FIXTURES, 'clara_pt_spleen_ct_segmentation'), { dataRoot });
    expect(issues.map((i) => [i.code, i.file, i.pointer])).toEqual([
      ['MMAR_DATA_FILE_MISSING', 'config/dataset_0.json', '/validation/1/label'],
    ]);
    expect(await validateMmarFolder(join(FIXTURES, 'clara_pt_spleen_ct_segmentation'), { dataRoot, checkDataFiles: false })).toEqual([]);
  });
});
