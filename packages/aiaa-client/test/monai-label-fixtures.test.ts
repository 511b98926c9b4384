import { isMedaasError } from '@medaas/core';
import { readNifti } from '@medaas/nifti-io';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonaiLabelClient, parseInfo, type MonaiLabelClient } from '../src/monai-label/index.js';
import { recordedBody, startReplayServer } from './helpers/replay-server.js';

// Every reply here is a recording of a real MONAI Label 0.8.1 server, replayed byte for byte over HTTP.
const ROUTES: [RegExp, string][] = [
  [/^GET \/info\/$/, 'info'],
  [/^GET \/datastore\/\?output=all$/, 'datastore_all'],
  [/^GET \/datastore\/\?output=stats$/, 'datastore_stats'],
  [/^GET \/datastore\/\?output=train$/, 'datastore_train'],
  [/^POST \/infer\/threshold\?image=case02$/, 'infer_threshold_all'],
  [/^POST \/infer\/threshold\?image=case02&output=image$/, 'infer_threshold_image'],
  [/^POST \/infer\/threshold\?image=case02&output=json$/, 'infer_threshold_json'],
  [/^POST \/infer\/tinyunet\?image=case03$/, 'infer_tinyunet_all'],
  [/^POST \/infer\/no_such_model\?image=case02$/, 'infer_unknown_model'],
  [/^POST \/infer\/threshold\?image=no_such_image$/, 'infer_unknown_image'],
  // The datastore has no such image: what HEAD /datastore/image answers for it is a 404, like a session's.
  [/^HEAD \/datastore\/image\?image=no_such_image$/, 'session_get_404'],
  [/^PUT \/session\/\?expiry=600$/, 'session_put'],
  [/^GET \/session\/46866228-f1b9-11f1-bbd7-02fc00000001$/, 'session_get'],
  [/^DELETE \/session\/46866228-f1b9-11f1-bbd7-02fc00000001$/, 'session_delete'],
  [/^GET \/session\/gone$/, 'session_get_404'],
  [/^POST \/activelearning\/first$/, 'activelearning_first'],
  [/^GET \/model\/info\/tinyunet$/, 'model_info'],
  [/^GET \/train\/$/, 'train_status_none'],
];

let replay: Awaited<ReturnType<typeof startReplayServer>>;
let client: MonaiLabelClient;
// One connection per request: the replay closes each one after its reply, as recorded.
const dispatcher = new Agent({ pipelining: 0 });

beforeAll(async () => {
  replay = await startReplayServer(({ method, target }) => {
    const found = ROUTES.find(([pattern]) => pattern.test(`${method} ${target}`));
    if (!found) throw new Error(`no recording for ${method} ${target}`);
    return found[1];
  });
  client = createMonaiLabelClient({ baseUrl: replay.url, dispatcher, retry: false });
});
afterAll(async () => {
  await client.close();
  await dispatcher.close();
  await replay.close();
});

describe('the recorded replies of a MONAI Label 0.8.1 server parse to the typed values', () => {
  it('GET /info/: models with their labels, trainers with their config, strategies, training figures, datastore counts', async () => {
    const info = await client.info();
    expect(info.name).toBe('medaas-conformance');
    expect(info.version).toBe('0.0.1');
    expect(info.labels).toEqual(['foreground']);
    expect(Object.keys(info.models)).toEqual(['threshold', 'tinyunet']);
    expect(info.models['threshold']).toMatchObject({
      name: 'threshold',
      type: 'segmentation',
      labels: [{ name: 'foreground', value: 1 }],
      dimension: 3,
      config: { threshold: 0.5, device: ['cpu'] },
    });
    expect(info.trainers['tinyunet']?.config).toMatchObject({ max_epochs: 1, val_split: 0.5, multi_gpu: true });
    expect(Object.keys(info.strategies)).toEqual(['random', 'first']);
    expect(info.scoring).toEqual({});
    expect(info.trainStats['tinyunet']).toMatchObject({ total_epochs: 1, best_metric: 0.1812622994184494 });
    expect(info.datastore).toEqual({ total: 4, completed: 2, labelTags: { final: 2 } });
    // The same parser on the body alone.
    expect(parseInfo(JSON.parse(recordedBody('info').toString('utf8'))).models['tinyunet']?.description).toBe(
      'Tiny 3D UNet (random weights until trained)',
    );
  });

  it('GET /datastore/ in every output: stats, every object with its labels by tag, the training list', async () => {
    expect(await client.datastoreStats()).toEqual({ total: 4, completed: 2, labelTags: { final: 2 } });
    const contents = await client.datastoreContents();
    expect(contents).toMatchObject({ name: 'new-dataset', imagesDir: '.', labelsDir: 'labels' });
    expect(contents.objects.map((o) => o.id)).toEqual(['case01', 'case00', 'case02', 'case03']);
    expect(contents.objects.find((o) => o.id === 'case00')).toMatchObject({
      image: { ext: '.nii.gz', info: { name: 'case00.nii.gz' } },
      labels: { final: { ext: '.nii.gz' } },
    });
    expect(contents.objects.find((o) => o.id === 'case02')?.labels).toEqual({});
    expect(await client.trainingDatalist()).toEqual([
      { image: '/srv/monailabel/studies/case01.nii.gz', label: '/srv/monailabel/studies/labels/final/case01.nii.gz' },
      { image: '/srv/monailabel/studies/case00.nii.gz', label: '/srv/monailabel/studies/labels/final/case00.nii.gz' },
    ]);
  });

  it('POST /infer in each output: the multipart params + mask, the mask alone with its file name, the params alone', async () => {
    const all = await client.infer('threshold', 'case02');
    expect(all.kind).toBe('mask');
    if (all.kind !== 'mask') return;
    expect(all.fileName).toBe('tmpkjvogc86.nii.gz');
    expect(all.params).toMatchObject({ label_names: { foreground: 1 }, centroids: {} });
    const mask = await readNifti(all.mask);
    // uint8 labels on the input's 48x48x32 grid, header codes 1, as the fixtures' README says.
    expect([...mask.dims]).toEqual([48, 48, 32]);
    expect(mask.datatype).toBe('uint8');
    const image = await client.infer('threshold', 'case02', { output: 'image' });
    expect(image).toMatchObject({ kind: 'mask', fileName: 'tmp76jfbdc1.nii.gz' });
    if (image.kind === 'mask')
      expect(Array.from((await readNifti(image.mask)).data as Uint8Array)).toEqual(Array.from(mask.data as Uint8Array));
    const json = await client.infer('threshold', 'case02', { output: 'json' });
    expect(json).toEqual({ kind: 'json', params: expect.objectContaining({ label_names: { foreground: 1 } }) });
    const unet = await client.segment('tinyunet', 'case03');
    expect([...(await readNifti(unet.mask)).dims]).toEqual([48, 48, 32]);
    expect(replay.seen.filter((r) => r.target.startsWith('/infer/')).every((r) => r.method === 'POST')).toBe(true);
  });

  it("tells the server's identical bare 500s apart: an unknown model against /info/, an unknown image against the datastore", async () => {
    const model = await client.infer('no_such_model', 'case02').catch((e: unknown) => e);
    expect(isMedaasError(model, 'AIAA_MODEL_NOT_FOUND')).toBe(true);
    expect((model as Error).message).toBe('the server has no model "no_such_model" (it has threshold, tinyunet)');
    const image = await client.infer('threshold', 'no_such_image').catch((e: unknown) => e);
    expect(isMedaasError(image, 'AIAA_IMAGE_NOT_FOUND')).toBe(true);
    expect((image as { details: Record<string, unknown> }).details).toMatchObject({ image: 'no_such_image', status: 404 });
  });

  it('sessions: PUT gives the id and its info, GET and DELETE its details, a removed session is AIAA_SESSION_EXPIRED', async () => {
    const session = await client.createSession(new Uint8Array([0x1f, 0x8b, 0, 0]), { expirySec: 600 });
    expect(session.id).toBe('46866228-f1b9-11f1-bbd7-02fc00000001');
    expect(session.info).toMatchObject({
      expirySec: 600,
      createTs: 1796591347,
      lastAccessTs: 1796591347,
      image: '/srv/monailabel/sessions/46866228-f1b9-11f1-bbd7-02fc00000001/case03.nii.gz',
    });
    expect((await client.getSession(session)).lastAccessTs).toBe(1796591347);
    await session.close();
    expect(session.closed).toBe(true);
    const gone = await client.getSession('gone').catch((e: unknown) => e);
    expect(isMedaasError(gone, 'AIAA_SESSION_EXPIRED')).toBe(true);
  });

  it('active learning, model file info and the training status before any training', async () => {
    expect(await client.nextSample('first')).toMatchObject({
      id: 'case02',
      name: 'case02.nii.gz',
      ts: 1796591310,
      strategy: { first: { client_id: 'admin' } },
    });
    expect(await client.modelInfo('tinyunet')).toMatchObject({
      checksum: 'SHA256:98c174ddb7ee72ea59a4c636a119cf24f49eaf6a0792b9143cfa857769e8ddea',
      modifiedTime: 1796591324,
      trainStats: { best_metric: 0.1812622994184494 },
    });
    // `GET /train/` with no task ever run answers 404: no task, not an error.
    expect(await client.trainingStatus()).toBeUndefined();
  });
});
