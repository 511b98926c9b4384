// The SEG in a real PACS: Orthanc (DICOMweb plugin) on loopback stores it in the source's study, lists it
// as a SEG series over QIDO-RS, and hands back bytes that read to the same mask.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries, readDicomSeg } from '@medaas/dicom';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { requireReferenceTools } from './helpers/reference.js';
import { filesOf, makeSegFixtures, twoSpheres, type SeriesUids } from './seg-fixtures.js';
import { writeDicomSegFile } from '@medaas/dicom/node';

let dir: string;
let orthanc: OrthancInstance;
let mr: SeriesUids & { files: readonly string[] };

beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-seg-orthanc-'));
  [orthanc, { mr }] = await Promise.all([startOrthanc(), makeSegFixtures(join(dir, 'fx'), 'seg-orthanc')]);
}, 300_000);
afterAll(async () => {
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
});

type Qido = Record<string, { vr: string; Value?: unknown[] }>[];

async function qido(path: string): Promise<Qido> {
  const response = await fetch(`${orthanc.dicomWebUrl}${path}`, { headers: { accept: 'application/dicom+json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as Qido;
}

describe('Orthanc accepts the SEG', () => {
  it("stores it in the source's study, where QIDO-RS lists a SEG series beside the MR series", async () => {
    const files = await filesOf(join(dir, 'fx', 'mr'));
    const volume = await convertDicomSeries(files);
    const mask = twoSpheres(volume, { radiusMm: 25 });
    const path = join(dir, 'seg.dcm');
    await writeDicomSegFile(path, mask, files, {
      segments: [
        { label: 1, name: 'Left' },
        { label: 2, name: 'Right' },
      ],
      seriesDescription: 'Spheres',
    });
    await orthanc.upload([...mr.files, path]);
    const series = await qido(`/studies/${mr.studyUid}/series`);
    const modalities = series.map((s) => s['00080060']?.Value?.[0]).sort();
    expect(modalities).toEqual(['MR', 'SEG']);
    const seg = series.find((s) => s['00080060']?.Value?.[0] === 'SEG')!;
    expect(seg['0008103E']?.Value?.[0]).toBe('Spheres');
    const segSeriesUid = String(seg['0020000E']?.Value?.[0]);
    const instances = await qido(`/studies/${mr.studyUid}/series/${segSeriesUid}/instances`);
    expect(instances).toHaveLength(1);
    expect(instances[0]!['00080016']?.Value?.[0]).toBe('1.2.840.10008.5.1.4.1.1.66.4');

    // The stored file, fetched back through Orthanc's REST API, reads to the same mask.
    const sopUid = String(instances[0]!['00080018']?.Value?.[0]);
    const found = (await (await fetch(`${orthanc.url}/tools/lookup`, { method: 'POST', body: sopUid })).json()) as {
      ID: string;
      Type: string;
    }[];
    const id = found.find((f) => f.Type === 'Instance')!.ID;
    const stored = new Uint8Array(await (await fetch(`${orthanc.url}/instances/${id}/file`)).arrayBuffer());
    await writeFile(join(dir, 'stored.dcm'), stored);
    const { mask: read } = await readDicomSeg(stored, files);
    expect(Buffer.from(read.data as Uint8Array).equals(Buffer.from(mask.data as Uint8Array))).toBe(true);
  });
});
