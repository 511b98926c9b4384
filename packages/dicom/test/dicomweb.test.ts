import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDicomwebClient,
  dicomJsonString,
  dicomJsonValue,
  DicomwebError,
  part10SopInstanceUid,
  seriesUidOf,
  sopUidOf,
  studyUidOf,
  type DicomwebClient,
} from '@medaas/dicom';
import { retrieveSeriesToFolder } from '@medaas/dicom/node';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { preparePacsStudy, PYDICOM_TEST_FILES, type PacsStudy } from './helpers/pacs-data.js';

const CT_SMALL = join(PYDICOM_TEST_FILES, 'CT_small.dcm');
const MR_SMALL = join(PYDICOM_TEST_FILES, 'MR_small.dcm');
let dir: string;
let orthanc: OrthancInstance;
let study: PacsStudy;
let client: DicomwebClient;
let stored: Map<string, Uint8Array>; // SOP Instance UID -> the bytes uploaded

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-dicomweb-'));
  [study, orthanc] = await Promise.all([preparePacsStudy(join(dir, 'study'), { seed: 'dicomweb.test' }), startOrthanc()]);
  await orthanc.upload([...study.files, CT_SMALL]);
  stored = new Map();
  for (const file of study.files) {
    const bytes = new Uint8Array(await readFile(file));
    stored.set(part10SopInstanceUid(bytes) as string, bytes);
  }
  client = createDicomwebClient({ baseUrl: orthanc.dicomWebUrl });
}, 120_000);
afterAll(async () => {
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('QIDO-RS against Orthanc', () => {
  it('finds both studies, and one by a filter', async () => {
    const all = await client.searchStudies();
    expect(all.map(studyUidOf).sort()).toEqual([study.studyUid, '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322'].sort());
    const mr = await client.searchStudies({ filters: { ModalitiesInStudy: 'MR' }, includeFields: ['StudyDescription'] });
    expect(mr.map(studyUidOf)).toEqual([study.studyUid]);
    expect(dicomJsonString(mr[0]!, 'StudyDescription')).toBe('BRAIN');
    const byUid = await client.searchStudies({ filters: { StudyInstanceUID: study.studyUid } });
    expect(byUid).toHaveLength(1);
    expect(await client.searchStudies({ filters: { PatientID: 'nobody-has-this-id' } })).toEqual([]);
  });

  it('pages instances with limit and offset, and searchAllInstances visits each once', async () => {
    const first = await client.searchInstances(study.studyUid, study.seriesUid, { limit: 7 });
    const second = await client.searchInstances(study.studyUid, study.seriesUid, { limit: 7, offset: 7 });
    const rest = await client.searchInstances(study.studyUid, study.seriesUid, { limit: 7, offset: 14 });
    expect([first.length, second.length, rest.length]).toEqual([7, 7, 6]);
    const paged = [...first, ...second, ...rest].map(sopUidOf);
    expect(new Set(paged).size).toBe(20);
    expect([...paged].sort()).toEqual([...study.sopUids].sort());
    const all: string[] = [];
    for await (const instance of client.searchAllInstances(study.studyUid, study.seriesUid, { pageSize: 6 })) all.push(sopUidOf(instance)!);
    expect(all.sort()).toEqual([...study.sopUids].sort());
  });

  it('searches series of a study, and instances by series alone', async () => {
    const series = await client.searchSeries(study.studyUid, { includeFields: ['SeriesDescription'] });
    expect(series.map(seriesUidOf)).toEqual([study.seriesUid]);
    expect(dicomJsonValue(series[0]!, 'Modality')).toBe('MR');
    const bySeries = await client.searchInstances(undefined, study.seriesUid);
    expect(bySeries).toHaveLength(20);
  });

  it('refuses a UID that would change the URL, before any request', async () => {
    await expect(client.searchSeries('1.2/../../instances')).rejects.toMatchObject({ code: 'DICOMWEB_INVALID_ARGUMENT' });
    await expect(client.searchStudies({ limit: 0 })).rejects.toMatchObject({ code: 'DICOMWEB_INVALID_ARGUMENT' });
  });
});

describe('WADO-RS against Orthanc', () => {
  it('streams the series back byte-identical to what was stored, one instance at a time', async () => {
    const progress: number[] = [];
    const seen = new Set<string>();
    for await (const bytes of client.retrieveSeries(study.studyUid, study.seriesUid, { onProgress: (p) => progress.push(p.loaded) })) {
      const uid = part10SopInstanceUid(bytes)!;
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(stored.get(uid)!))).toBe(0);
      seen.add(uid);
    }
    expect(seen.size).toBe(20);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBeGreaterThan([...stored.values()].reduce((s, b) => s + b.length, 0));
  });

  it('retrieves one instance, the series metadata and frames', async () => {
    const sopUid = study.sopUids[4]!;
    const ref = { studyUid: study.studyUid, seriesUid: study.seriesUid, sopUid };
    const instance = await client.retrieveInstance(ref);
    expect(Buffer.from(instance).equals(Buffer.from(stored.get(sopUid)!))).toBe(true);
    const metadata = await client.retrieveSeriesMetadata(study.studyUid, study.seriesUid);
    expect(metadata).toHaveLength(20);
    const mine = metadata.find((m) => sopUidOf(m) === sopUid)!;
    expect(dicomJsonValue(mine, 'Rows')).toBe(256);
    expect(mine['7FE00010']?.BulkDataURI).toMatch(/^http/);
    const [frame] = await client.retrieveFrames(ref, [1]);
    // 256 x 256 16-bit pixels: the frame is the Pixel Data value, the last bytes of the cleaned file.
    expect(frame!.length).toBe(256 * 256 * 2);
    expect(Buffer.from(instance.subarray(instance.length - frame!.length)).equals(Buffer.from(frame!))).toBe(true);
    await expect(client.retrieveFrames(ref, [0])).rejects.toMatchObject({ code: 'DICOMWEB_INVALID_ARGUMENT' });
  });

  it('answers a missing series with DICOMWEB_NOT_FOUND naming the series and the path', async () => {
    const missing = '2.25.1234567';
    const error = await (async () => {
      for await (const _ of client.retrieveSeries(study.studyUid, missing)) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomwebError);
    expect(error).toMatchObject({ code: 'DICOMWEB_NOT_FOUND', details: { seriesUid: missing, studyUid: study.studyUid, status: 404 } });
    expect((error as Error).message).toContain(`series ${missing}`);
    expect((error as Error).message).toContain(`/dicom-web/studies/${study.studyUid}/series/${missing}`);
  });

  it('stops at once when the signal aborts, rejecting with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('user closed the viewer');
    let count = 0;
    const error = await (async () => {
      for await (const _ of client.retrieveSeries(study.studyUid, study.seriesUid, { signal: controller.signal })) {
        void _;
        count += 1;
        if (count === 3) controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(count).toBe(3);
    const before = new AbortController();
    before.abort(reason);
    await expect(client.searchStudies({ signal: before.signal })).rejects.toBe(reason);
  });

  it('writes the series to a folder, one file per SOP Instance UID, identical to the stored files', async () => {
    const out = join(dir, 'retrieved');
    const { files, bytes } = await retrieveSeriesToFolder(client, out, { studyUid: study.studyUid, seriesUid: study.seriesUid });
    expect(files).toHaveLength(20);
    expect((await readdir(out)).sort()).toEqual(study.sopUids.map((uid) => `${uid}.dcm`).sort());
    for (const uid of study.sopUids) expect((await readFile(join(out, `${uid}.dcm`))).equals(Buffer.from(stored.get(uid)!))).toBe(true);
    expect(bytes).toBe([...stored.values()].reduce((s, b) => s + b.length, 0));
  });
});

describe('STOW-RS against Orthanc', () => {
  it('stores MR_small, reports it as stored, and QIDO finds it', async () => {
    const bytes = new Uint8Array(await readFile(MR_SMALL));
    const sopUid = part10SopInstanceUid(bytes)!;
    const result = await client.storeInstances([bytes]);
    expect(result).toMatchObject({ sent: 1, complete: true, failed: [], statuses: [200] });
    expect(result.stored.map((s) => s.sopInstanceUid)).toEqual([sopUid]);
    const found = await client.searchInstances(undefined, undefined, { filters: { SOPInstanceUID: sopUid } });
    expect(found.map(sopUidOf)).toEqual([sopUid]);
    const back = await client.retrieveInstance({ studyUid: studyUidOf(found[0]!)!, seriesUid: seriesUidOf(found[0]!)!, sopUid });
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it('sends batches from an async iterable and reports what was not stored', async () => {
    const ct = new Uint8Array(await readFile(CT_SMALL));
    async function* instances(): AsyncGenerator<Uint8Array> {
      yield ct;
      yield new TextEncoder().encode('not a DICOM file');
    }
    const progress: number[] = [];
    const result = await client.storeInstances(instances(), { batchBytes: 1, onProgress: (p) => progress.push(p.loaded) });
    expect(result.sent).toBe(2);
    expect(result.statuses).toHaveLength(2);
    expect(result.stored.map((s) => s.sopInstanceUid)).toEqual([part10SopInstanceUid(ct)]);
    expect(result.complete).toBe(false);
    expect(progress.at(-1)).toBe(ct.length + 16);
  });
});
