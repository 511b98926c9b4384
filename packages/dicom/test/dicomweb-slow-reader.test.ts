import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomwebClient } from '@medaas/dicom';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { preparePacsStudy, type PacsStudy } from './helpers/pacs-data.js';

// Orthanc answers WADO-RS with `Connection: close` and a body that ends with the connection. A reader slower
// than the network (a viewer decoding each instance, a slow disk) holds the body back; when the PACS then
// closes the connection, undici 7's fetch crashes the whole process with an uncatchable assertion
// (nodejs/undici#5360). The npm undici is loaded here as it is in any process that also uses the annotation
// client: it then serves the global fetch too.
let orthanc: OrthancInstance;
let dir: string;
let study: PacsStudy;
beforeAll(async () => {
  await import('undici');
  orthanc = await startOrthanc();
  dir = await mkdtemp(join(tmpdir(), 'medaas-slow-reader-'));
  study = await preparePacsStudy(join(dir, 'study'), { seed: 'slow-reader' });
  await orthanc.upload(study.files);
}, 300_000);
afterAll(async () => {
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a slow reader of a series from a PACS that closes the connection', () => {
  it('gets every instance, byte for byte, while it takes its time over each', async () => {
    const client = createDicomwebClient({ baseUrl: orthanc.dicomWebUrl });
    const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
    const expected = (await Promise.all(study.files.map(async (f) => sha(await readFile(f))))).sort();
    const got: string[] = [];
    for await (const instance of client.retrieveSeries(study.studyUid, study.seriesUid)) {
      got.push(sha(instance));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(got.sort()).toEqual(expected);
  });
});
