import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelDice, readNifti, writeNifti, type Volume } from '@medaas/nifti-io';
import {
  fitWindowModel,
  parseWindowModel,
  runFitJob,
  serializeWindowModel,
  spherePhantom,
  startTestServer,
  windowSegmentation,
  type TestServer,
} from '@medaas/aiaa-testkit';

// The structure to learn (label 2, mid intensity) sits next to a larger, brighter one that Otsu + largest
// component picks instead: the default model misses it, a fitted window finds it.
const { volume, truth } = spherePhantom({
  dims: [48, 40, 32],
  spheres: [
    { center: [14, 20, 16], radius: 10, value: 1000 },
    { center: [36, 20, 16], radius: 7, value: 450 },
  ],
  noise: 30,
});
const label: Volume = { ...volume, datatype: 'uint8', data: truth.map((v) => (v === 2 ? 1 : 0)) };
let server: TestServer;
let image: Uint8Array;

beforeAll(async () => {
  server = await startTestServer();
  image = await writeNifti(volume, { gzip: true });
});
afterAll(async () => {
  await server.close();
});

async function segment(model: string): Promise<Uint8Array> {
  const form = new FormData();
  form.set('params', '{}');
  form.set('datapoint', new Blob([image as Uint8Array<ArrayBuffer>]), 'image.nii.gz');
  const reply = await fetch(`${server.url}/v1/segmentation?model=${model}`, { method: 'POST', body: form });
  expect(reply.status).toBe(200);
  const parts = await new Response(reply.body, { headers: reply.headers }).formData();
  const file = [...parts.values()].find((v): v is File => typeof v !== 'string')!;
  return new Uint8Array((await readNifti(new Uint8Array(await file.arrayBuffer()))).data as Uint8Array);
}

function upload(name: string, config: string, data: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.set('config', config);
  form.set('data', new Blob([data as Uint8Array<ArrayBuffer>]), 'model.json');
  return fetch(`${server.url}/admin/model/${name}`, { method: 'PUT', body: form });
}

describe('learnable testkit models', () => {
  it('fits a window that finds the labelled structure the default model misses', async () => {
    const epochs: number[] = [];
    const fitted = await fitWindowModel([{ image: volume, label }], { onEpoch: (e) => epochs.push(e.metric) });
    expect(epochs).toHaveLength(9);
    expect(epochs[0]).toBeLessThan(0.1);
    expect(fitted.bestMetric).toBeGreaterThan(0.9);
    expect(fitted.best.low).toBeGreaterThan(90);
    expect(fitted.best.low).toBeLessThan(450);
    expect(fitted.best.high).toBeLessThan(900);
    expect(parseWindowModel(serializeWindowModel(fitted.best))).toEqual(fitted.best);
  });

  it('loads a model through PUT /admin/model, serves it, refuses broken ones while the last good one keeps serving, and unloads it', async () => {
    const fitted = await fitWindowModel([{ image: volume, label }]);
    expect(labelDice(await segment('segmentation_threshold'), label.data as Uint8Array, { label: 1 })).toBeLessThan(0.1);

    const put = await upload(
      'learned',
      JSON.stringify({ type: 'segmentation', labels: ['target'], version: '2' }),
      serializeWindowModel(fitted.best),
    );
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      name: 'learned',
      type: 'segmentation',
      labels: ['target'],
      version: '2',
      window: fitted.best,
    });
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { name: string }[];
    expect(models.map((m) => m.name)).toContain('learned');
    const good = labelDice(await segment('learned'), label.data as Uint8Array, { label: 1 });
    expect(good).toBeGreaterThan(0.9);

    const broken: [string, Uint8Array, RegExp][] = [
      [
        '{"type": "segmentation", "labels": ["target"]}',
        new TextEncoder().encode('{"format":"medaas-testkit-window","version":1,"low":'),
        /broken or truncated/,
      ],
      ['{"type": "segmentation", "labels": ["target"]}', serializeWindowModel({ ...fitted.best, high: fitted.best.low - 1 }), /low < high/],
      [
        '{"type": "segmentation", "labels": ["target"]}',
        new TextEncoder().encode('{"format":"torchscript","version":1}'),
        /format "torchscript"/,
      ],
      ['{"type": "deepgrow", "labels": ["target"]}', serializeWindowModel(fitted.best), /segmentation models/],
      ['not json', serializeWindowModel(fitted.best), /config is not valid JSON/],
      ['{"labels": []}', serializeWindowModel(fitted.best), /labels/],
    ];
    for (const [config, data, message] of broken) {
      const reply = await upload('learned', config, data);
      expect(reply.status).toBe(400);
      expect(((await reply.json()) as { error: string }).error).toMatch(message);
    }
    expect(labelDice(await segment('learned'), label.data as Uint8Array, { label: 1 })).toBe(good);

    const info = await fetch(`${server.url}/admin/model/learned`);
    expect(await info.json()).toMatchObject({ name: 'learned', window: fitted.best });
    expect((await fetch(`${server.url}/admin/model/learned`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${server.url}/admin/model/learned`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/segmentation?model=learned`, { method: 'POST', body: new FormData() })).status).toBe(404);
  });

  it('segments with learned parameters exactly as windowSegmentation computes them', async () => {
    const params = { low: 300, high: 700, opening: 1, fillHoles: true };
    expect((await upload('manual', '{"labels":["target"]}', serializeWindowModel(params))).status).toBe(200);
    const { gridOf } = await import('../src/grid.js');
    expect(await segment('manual')).toEqual(windowSegmentation(gridOf(volume), params));
  });
});

describe('the fit job', () => {
  it('reads the MMAR and its data list, writes the model files, and names a missing data file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'medaas-fit-'));
    try {
      await mkdir(join(root, 'mmar', 'config'), { recursive: true });
      await writeFile(join(root, 'image.nii.gz'), image);
      await writeFile(join(root, 'label.nii.gz'), await writeNifti(label, { gzip: true }));
      await writeFile(join(root, 'datalist.json'), JSON.stringify({ training: [{ image: 'image.nii.gz', label: 'label.nii.gz' }] }));
      await writeFile(
        join(root, 'mmar', 'config', 'environment.json'),
        JSON.stringify({ DATA_ROOT: root, DATASET_JSON: `${root}/datalist.json` }),
      );
      const lines: string[] = [];
      const result = await runFitJob({ mmarDir: join(root, 'mmar'), log: (line) => lines.push(line) });
      expect(lines.filter((l) => l.startsWith('Epoch: '))).toHaveLength(9);
      expect(lines).toContain(`Key metric: val_mean_dice best value: ${result.bestMetric.toFixed(4)} at epoch: ${result.bestEpoch}`);
      expect(parseWindowModel(await readFile(result.bestModel)).low).toBeGreaterThan(90);
      expect(JSON.parse(await readFile(join(root, 'mmar', 'eval', 'metrics.json'), 'utf8'))).toEqual({
        val_mean_dice: result.bestMetric,
        best_epoch: result.bestEpoch,
      });

      await writeFile(join(root, 'datalist.json'), JSON.stringify({ training: [{ image: 'image.nii.gz', label: 'gone.nii.gz' }] }));
      await expect(runFitJob({ mmarDir: join(root, 'mmar'), log: () => {} })).rejects.toThrow(
        `FileNotFoundError: No such file or directory: '${root}/gone.nii.gz'`,
      );
      await writeFile(join(root, 'mmar', 'config', 'environment.json'), '{"DATA_ROOT": 5}');
      await expect(runFitJob({ mmarDir: join(root, 'mmar'), log: () => {} })).rejects.toThrow(/invalid config .*DATA_ROOT/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
