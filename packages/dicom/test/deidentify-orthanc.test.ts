// The de-identified series in a real PACS: Orthanc (DICOMweb plugin) on loopback stores all 20 instances
// under the new study, lists nothing under the original UIDs, and the map leads back to the original study.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyDicom, UidMap } from '@medaas/dicom';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { requireReferenceTools } from './helpers/reference.js';
import { filesOf, plantIdentifiers, type Planted } from './deidentify-fixtures.js';

let dir: string;
let orthanc: OrthancInstance;
let planted: Planted;

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-deid-orthanc-'));
  [orthanc, planted] = await Promise.all([startOrthanc(), plantIdentifiers()]);
}, 300_000);
afterAll(async () => {
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(planted?.dir ?? join(dir, 'none'), { recursive: true, force: true });
});

type Qido = Record<string, { vr: string; Value?: unknown[] }>[];

async function qido(path: string): Promise<Qido> {
  const response = await fetch(`${orthanc.dicomWebUrl}${path}`, { headers: { accept: 'application/dicom+json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as Qido;
}

describe('Orthanc accepts the de-identified series', () => {
  it('stores the 20 instances under the new study; QIDO-RS shows no planted identifier; the map restores the original study', async () => {
    const uidMap = new UidMap();
    const { instances } = await deidentifyDicom(await filesOf(join(planted.dir, 'planted', 'series')), {
      uidMap,
      pseudonym: { patientId: 'TRIAL-7', patientName: 'SUBJECT^7' },
    });
    const paths = [];
    for (const instance of instances) {
      const path = join(dir, instance.name);
      await writeFile(path, instance.bytes);
      paths.push(path);
    }
    await orthanc.upload(paths);
    const studies = await qido('/studies?includefield=all');
    expect(studies).toHaveLength(1);
    const study = studies[0]!;
    const studyUid = String(study['0020000D']?.Value?.[0]);
    expect(studyUid).toMatch(/^2\.25\.\d+$/);
    expect(uidMap.toOriginal(studyUid)).toBe('1.2.826.0.1.3680043.9.7777.1.1');
    expect(study['00100020']?.Value?.[0]).toBe('TRIAL-7');
    expect(JSON.stringify(study).toUpperCase()).not.toContain('ZQX');
    const series = await qido(`/studies/${studyUid}/series`);
    expect(series).toHaveLength(1);
    const seriesUid = String(series[0]!['0020000E']?.Value?.[0]);
    const stored = await qido(`/studies/${studyUid}/series/${seriesUid}/instances`);
    expect(stored).toHaveLength(20);
    expect(new Set(stored.map((i) => String(i['00080018']?.Value?.[0])))).toEqual(
      new Set(instances.map((i) => i.name.replace(/\.dcm$/, ''))),
    );
    expect(await qido('/studies?StudyInstanceUID=1.2.826.0.1.3680043.9.7777.1.1')).toEqual([]);
  }, 120_000);
});
