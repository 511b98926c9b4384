import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelDice, readNifti, writeMask, writeNifti } from '@medaas/nifti-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';

// What MONAI Label's own Python client sends (its `$`-boundary multipart, requests-style session uploads,
// JSON bodies) and how it reads replies (cgi.FieldStorage), reproduced by test/reference/monailabel_client.py
// with Debian's Python; the replies are checked against the recordings of a real MONAI Label 0.8.1 server.
const CLIENT = fileURLToPath(new URL('./reference/monailabel_client.py', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../aiaa-client/test/fixtures/monai-label-0.8.1/', import.meta.url));
const fixture = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}${name}.body`, 'utf8'));
const fixtureHeaders = (name: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`${FIXTURES}${name}.headers`, 'latin1')
      .split('\r\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
const keys = (value: unknown): string[] => Object.keys(value as object).sort();

let server: TestServer;
let work: string;
let seen: Record<string, unknown>;
const { volume, truth } = spherePhantom();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medaas-ml-conformance-'));
  server = await startTestServer({ protocol: 'monai-label' });
  const imagePath = join(work, 'patient scans', 'case_slicer.nii.gz');
  await mkdir(join(work, 'patient scans'), { recursive: true });
  await writeFile(imagePath, await writeNifti(volume, { gzip: true }));
  const labelPath = join(work, 'case_slicer_label.nii.gz');
  await writeFile(labelPath, await writeMask({ ...volume, datatype: 'uint8', data: truth }));
  // Asynchronously: the server answers from this process.
  const { stdout } = await promisify(execFile)('/usr/bin/python3', [CLIENT, server.url, work, imagePath, labelPath], { encoding: 'utf8' });
  seen = JSON.parse(stdout) as Record<string, unknown>;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe("the testkit's MONAI Label face accepts what MONAI Label's own client sends and answers as a 0.8.1 server does", () => {
  it('upload_image on the deprecated PUT /datastore/?image= with the $ boundary and a local path as file name', () => {
    expect(seen['upload_image']).toEqual([200, { image: 'case_slicer' }]);
  });

  it('infer without output: multipart, params part (JSON, no file name) then the image part, as recorded; the saved result is the mask', async () => {
    const infer = seen['infer'] as {
      status: number;
      content_type: string;
      order: [string, string | null, string][];
      params: Record<string, unknown>;
      saved: string;
    };
    expect(infer.status).toBe(200);
    expect(infer.content_type).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{32}$/);
    expect(fixtureHeaders('infer_threshold_all')['content-type']).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{32}$/);
    expect(infer.order).toEqual([
      ['params', null, 'application/json'],
      ['image', expect.stringMatching(/^tmp[a-z0-9_]{8}\.nii\.gz$/), 'application/octet-stream'],
    ]);
    const recordedParams = JSON.parse(/\r\n\r\n(\{.*?\})\r\n--/s.exec(readFileSync(`${FIXTURES}infer_threshold_all.body`, 'latin1'))![1]!);
    expect(keys(infer.params)).toEqual(keys(recordedParams));
    const mask = await readNifti(new Uint8Array(readFileSync(infer.saved)));
    expect(mask.datatype).toBe('uint8');
    expect(labelDice(mask.data as Uint8Array, truth, { label: 1 })).toBeGreaterThanOrEqual(0.95);
    // nibabel reads the saved result on the image's grid.
    const shape = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys, nibabel; i = nibabel.load(sys.argv[1]); print(list(i.shape), i.get_data_dtype())', infer.saved],
      { encoding: 'utf8' },
    ).trim();
    expect(shape).toBe(`[${volume.dims.join(', ')}] uint8`);
    expect(seen['infer_fallback']).toEqual({ status: 200, files: [true] });
  });

  it('sessions as requests uploads them: PUT, GET, DELETE, then 404 with a JSON detail; the same keys as recorded', () => {
    const [status, put] = seen['session_put'] as [number, Record<string, unknown>];
    expect(status).toBe(200);
    expect(keys(put)).toEqual(keys(fixture('session_put')));
    expect(keys(put['session_info'])).toEqual(keys((fixture('session_put') as Record<string, unknown>)['session_info']));
    expect((put['session_info'] as Record<string, unknown>)['expiry']).toBe(600);
    expect((seen['session_get'] as [number, unknown])[0]).toBe(200);
    expect(keys((seen['session_get'] as [number, unknown])[1])).toEqual(keys(fixture('session_get')));
    expect(seen['session_delete']).toEqual([200]);
    const [notFound, type, detail] = seen['session_get_404'] as [number, string, Record<string, string>];
    expect([notFound, type]).toEqual([404, fixtureHeaders('session_get_404')['content-type']]);
    expect(detail).toEqual({ detail: `Session (${put['session_id'] as string}) Not Found` });
  });

  it('save_label with the $ boundary and label_info; download_label gets a Content-Disposition file name', () => {
    expect(seen['save_label']).toEqual([200, { image: 'case_slicer', label: 'case_slicer' }]);
    expect(seen['download_label']).toMatchObject({ status: 200, filename: 'case_slicer.nii.gz' });
  });

  it('datastore, next sample and info have the recorded shapes', () => {
    const [status, type, all] = seen['datastore_all'] as [number, string, Record<string, unknown>];
    expect([status, type]).toEqual([200, 'application/json']);
    expect(keys(all)).toEqual(keys(fixture('datastore_all')));
    const recordedObject = Object.values((fixture('datastore_all') as { objects: Record<string, unknown> }).objects)[0];
    expect(keys((all['objects'] as Record<string, unknown>)['case_slicer'])).toEqual(keys(recordedObject));
    expect((all['objects'] as Record<string, { labels: Record<string, unknown> }>)['case_slicer']!.labels).toHaveProperty('final');
    // Every image has a final label now: the strategy has nothing left to propose.
    expect(seen['next_sample']).toEqual([200, {}]);
    const [infoStatus, infoType, info] = seen['info'] as [number, string, Record<string, unknown>];
    expect([infoStatus, infoType]).toEqual([200, fixtureHeaders('info')['content-type']]);
    expect(keys(info)).toEqual(keys(fixture('info')));
    const recordedModel = Object.values((fixture('info') as { models: Record<string, unknown> }).models)[0];
    for (const model of Object.values(info['models'] as Record<string, unknown>)) expect(keys(model)).toEqual(keys(recordedModel));
    expect(keys(info['datastore'] as object)).toEqual(keys((fixture('info') as Record<string, unknown>)['datastore']));
  });

  it('training: 404 before any as recorded, check_if_running reads idle, an idle stop answers null, a start is SUBMITTED', () => {
    expect(seen['train_status_none']).toEqual([404, fixture('train_status_none')]);
    expect(seen['train_running_idle']).toBe(false);
    expect(seen['train_stop_idle']).toEqual([200, null]);
    const [status, task] = seen['train_start'] as [number, Record<string, unknown>];
    expect(status).toBe(200);
    expect(task).toMatchObject({ status: 'SUBMITTED', request: { model: 'segmentation', max_epochs: 2, client_id: 'slicer-user' } });
  });

  it('an unknown model and an unknown image are the bare 500 text/plain the recordings show', () => {
    const recorded = [
      500,
      fixtureHeaders('infer_unknown_model')['content-type'],
      readFileSync(`${FIXTURES}infer_unknown_model.body`, 'utf8'),
    ];
    expect(seen['infer_unknown_model']).toEqual(recorded);
    expect(seen['infer_unknown_image']).toEqual(recorded);
  });
});
