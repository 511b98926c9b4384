import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  createDicomwebClient,
  dicomJsonString,
  dicomJsonValue,
  dicomJsonValues,
  dicomTag,
  isDicomUid,
  part10SopInstanceUid,
  studyUidOf,
  type DicomJsonDataset,
} from '@medaas/dicom';
import { PYDICOM_TEST_FILES } from './helpers/pacs-data.js';

describe('DICOM JSON accessors', () => {
  const dataset: DicomJsonDataset = {
    '0020000D': { vr: 'UI', Value: ['1.2.3'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
    '00280030': { vr: 'DS', Value: [0.5, 0.7] },
    '00280010': { vr: 'US', Value: [512] },
    '00081030': { vr: 'LO' },
  };
  it('reads values by keyword or tag, names by their alphabetic group', () => {
    expect(studyUidOf(dataset)).toBe('1.2.3');
    expect(dicomJsonString(dataset, 'PatientName')).toBe('Doe^Jane');
    expect(dicomJsonValues(dataset, 'PixelSpacing')).toEqual([0.5, 0.7]);
    expect(dicomJsonValue(dataset, '00280010')).toBe(512);
    expect(dicomJsonString(dataset, 'Rows')).toBe('512');
    expect(dicomJsonValue(dataset, 'StudyDescription')).toBeUndefined();
    expect(dicomTag('SeriesInstanceUID')).toBe('0020000E');
    expect(dicomTag('7fe00010')).toBe('7FE00010');
    expect(() => dicomTag('NoSuchKeyword')).toThrow(
      expect.objectContaining({
        name: 'DicomwebError',
        code: 'DICOMWEB_INVALID_ARGUMENT',
        message: 'unknown DICOM keyword NoSuchKeyword: use its 8-digit hex tag',
      }),
    );
  });
});

describe('UIDs and Part-10 meta', () => {
  it('tells UIDs from other strings', () => {
    expect(isDicomUid('1.2.840.10008.1.2.1')).toBe(true);
    for (const bad of ['', '1..2', '1.02', '../1', '1.2/3', '1'.repeat(65), '1.2 ']) expect(isDicomUid(bad)).toBe(false);
  });

  it('reads the SOP Instance UID of real files as pydicom does', async () => {
    for (const name of ['CT_small.dcm', 'MR_small.dcm']) {
      const file = join(PYDICOM_TEST_FILES, name);
      const expected = execFileSync(
        '/usr/bin/python3',
        ['-c', 'import pydicom,sys; print(pydicom.dcmread(sys.argv[1]).SOPInstanceUID)', file],
        { encoding: 'utf8' },
      ).trim();
      expect(part10SopInstanceUid(new Uint8Array(await readFile(file)))).toBe(expected);
    }
    expect(part10SopInstanceUid(new TextEncoder().encode('not DICOM'))).toBeUndefined();
    expect(part10SopInstanceUid(new Uint8Array(200))).toBeUndefined();
  });
});

describe('client options', () => {
  it('refuses bad base URLs, limits and timeouts with DICOMWEB_INVALID_ARGUMENT', async () => {
    expect(() => createDicomwebClient({ baseUrl: 'not a url' })).toThrow(expect.objectContaining({ code: 'DICOMWEB_INVALID_ARGUMENT' }));
    expect(() => createDicomwebClient({ baseUrl: 'ftp://pacs/dicom-web' })).toThrow(
      expect.objectContaining({ code: 'DICOMWEB_INVALID_ARGUMENT' }),
    );
    expect(() => createDicomwebClient({ baseUrl: 'http://pacs/dicom-web', maxPartBytes: 0 })).toThrow(
      expect.objectContaining({ code: 'DICOMWEB_INVALID_ARGUMENT' }),
    );
    const client = createDicomwebClient({ baseUrl: 'http://127.0.0.1:9/dicom-web/' });
    expect(client.baseUrl).toBe('http://127.0.0.1:9/dicom-web');
    await expect(client.searchStudies({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'DICOMWEB_INVALID_ARGUMENT' });
    await expect(client.searchStudies({ filters: { 'a&b=c': 'x' } })).rejects.toMatchObject({ code: 'DICOMWEB_INVALID_ARGUMENT' });
    await expect(client.retrieveFrames({ studyUid: '1.2', seriesUid: '1.3', sopUid: '1.4' }, [])).rejects.toMatchObject({
      code: 'DICOMWEB_INVALID_ARGUMENT',
    });
  });
});
