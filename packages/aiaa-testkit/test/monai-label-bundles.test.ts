import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelDice, readNifti, writeNifti } from '@medaas/nifti-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeWindowModel, spherePhantom, startTestServer } from '@medaas/aiaa-testkit';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'medaas-testkit-bundles-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const metadata = (labels: Record<string, string>): string =>
  `${JSON.stringify({ version: '0.4.1', monai_version: '1.2.0', description: 'Spleen from CT (hand-written test bundle)', network_data_format: { outputs: { pred: { type: 'image', num_channels: 2, channel_def: labels } } } }, null, 4)}\n`;

/** Writes a bundle folder into an app's `model/` as a deployment would: metadata and the weights file. */
async function writeBundle(app: string, name: string, labels: Record<string, string>, weights: Uint8Array | string): Promise<string> {
  const dir = join(app, 'model', name);
  await mkdir(join(dir, 'configs'), { recursive: true });
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(join(dir, 'configs', 'metadata.json'), metadata(labels));
  await writeFile(join(dir, 'models', 'model.pt'), weights);
  return dir;
}

async function infer(url: string, model: string, image: Uint8Array): Promise<Uint8Array> {
  const form = new FormData();
  form.set('params', '{}');
  form.set('file', new Blob([image.slice()]), 'image.nii.gz');
  const response = await fetch(`${url}/infer/${model}?output=image`, { method: 'POST', body: form });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  const mask = await readNifti(new Uint8Array(await response.arrayBuffer()));
  return Uint8Array.from(mask.data as ArrayLike<number>, (v) => (Number(v) > 0 ? 1 : 0));
}

describe('MONAI bundles in the app folder, as the MONAI Label bundle app serves them', () => {
  const { volume, truth } = spherePhantom();

  it('serves a bundle folder as a model with its labels, and reloads its weights when the file is replaced on disk', async () => {
    const app = join(root, 'app-1');
    const dir = await writeBundle(
      app,
      'spleen_ct_segmentation',
      { 0: 'background', 1: 'spleen' },
      serializeWindowModel({ low: 500, high: 5000, opening: 0, fillHoles: true }),
    );
    await using server = await startTestServer({ protocol: 'monai-label', app });
    const info = (await (await fetch(`${server.url}/info/`)).json()) as {
      models: Record<string, { labels: Record<string, number>; description: string }>;
      trainers: Record<string, unknown>;
    };
    expect(info.models['spleen_ct_segmentation']).toMatchObject({
      labels: { spleen: 1 },
      description: 'Spleen from CT (hand-written test bundle)',
    });
    expect(Object.keys(info.trainers)).toContain('spleen_ct_segmentation');
    const image = await writeNifti(volume, { gzip: true });
    expect(labelDice(await infer(server.url, 'spleen_ct_segmentation', image), truth, { label: 1 })).toBeGreaterThan(0.95);
    // A new weights file moved into place (what a deployment does) is used by the next inference.
    await writeFile(join(dir, 'models', 'model.pt.new'), serializeWindowModel({ low: 4000, high: 5000, opening: 0, fillHoles: false }));
    await rename(join(dir, 'models', 'model.pt.new'), join(dir, 'models', 'model.pt'));
    const empty = await infer(server.url, 'spleen_ct_segmentation', image);
    expect(empty.reduce((a, b) => a + b, 0)).toBe(0);
    const model = (await (await fetch(`${server.url}/model/info/spleen_ct_segmentation`)).json()) as { checksum: string };
    expect(model.checksum).toMatch(/^SHA256:[0-9a-f]{64}$/);
  });

  it('skips a bundle whose metadata is broken, says so in its log, and serves the rest', async () => {
    const app = join(root, 'app-2');
    await writeBundle(
      app,
      'good_bundle',
      { 0: 'background', 1: 'liver' },
      serializeWindowModel({ low: 500, high: 5000, opening: 0, fillHoles: false }),
    );
    await mkdir(join(app, 'model', 'bad_bundle', 'configs'), { recursive: true });
    await writeFile(join(app, 'model', 'bad_bundle', 'configs', 'metadata.json'), '{"version": ');
    await using server = await startTestServer({ protocol: 'monai-label', app });
    const info = (await (await fetch(`${server.url}/info/`)).json()) as { models: Record<string, unknown> };
    expect(Object.keys(info.models)).toContain('good_bundle');
    expect(Object.keys(info.models)).not.toContain('bad_bundle');
    expect(await (await fetch(`${server.url}/logs/?text=true`)).text()).toMatch(/Skipping bundle bad_bundle/);
  });

  it('a bundle whose weights file is not the testkit format fails its inference with the server error, as a broken .pt does', async () => {
    const app = join(root, 'app-3');
    await writeBundle(app, 'torch_bundle', { 0: 'background', 1: 'spleen' }, 'PK\u0003\u0004 a real torch zip is not a testkit model');
    await using server = await startTestServer({ protocol: 'monai-label', app });
    // MONAI Label answers a bare 500; the reason is in its log.
    await expect(infer(server.url, 'torch_bundle', await writeNifti(volume, { gzip: true }))).rejects.toThrow(/^500 /);
    const log = await (await fetch(`${server.url}/logs/?text=true`)).text();
    expect(log).toMatch(/Failed to load .*torch_bundle\/models\/model\.pt: the model data is not a JSON medaas testkit model/);
    expect(log).toMatch(/Inference Task is not Initialized/);
  });
});
