import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dice, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { connectAnnotationServer } from '@medaas/aiaa-client/interactive';
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { openImageFile } from '@medaas/aiaa-client/node';

// The README's MONAI Label and interactive examples, as written, against a testkit app whose labels are a spleen's.
const password = 'a password of ana';
const { volume, truth } = spherePhantom({ spheres: [{ center: [120, 88, 40], radius: 11, value: 1000 }], dims: [160, 140, 64] });
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer({
    protocol: 'monai-label',
    auth: { users: { ana: { password } } },
    models: [
      { name: 'segmentation', type: 'segmentation', algorithm: 'window', labels: ['spleen'], trainable: true },
      { name: 'deepedit', type: 'deepedit', algorithm: 'deepedit', labels: ['spleen'] },
      { name: 'deepgrow_3d', type: 'deepgrow', algorithm: 'deepgrow', labels: ['spleen'] },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'monai-readme-'));
  await writeFile(join(dir, 'ct.nii.gz'), await writeNifti(volume, { gzip: true }));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

it('runs the MONAI Label example of the README', async () => {
  let lastStatus = '';
  {
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'ana', password } });
    const info = await client.info(); // models, labels, trainers, strategies, datastore
    const { id } = await client.ensureImage(await openImageFile(join(dir, 'ct.nii.gz')), { id: 'case042' }); // uploaded only if missing
    const auto = await client.segment('segmentation', id); // multipart: params + mask
    const click = await client.segment('deepedit', id, { clicks: { spleen: [[120, 88, 40]] }, background: [[10, 10, 40]] });
    await client.saveLabel(id, click.mask, { labelInfo: [{ name: 'spleen', idx: 1 }] }); // the validated, `final` label
    await client.startTraining('segmentation', { params: { max_epochs: 50 } });
    const done = await client.waitForTraining({ onStatus: (t) => (lastStatus = `${t.status} ${t.details.at(-1) ?? ''}`) });
    expect(info.models['deepedit']?.labels).toEqual([
      { name: 'background', value: 0 },
      { name: 'spleen', value: 1 },
    ]);
    expect(dice((await readNifti(auto.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    expect(dice((await readNifti(click.mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    expect(done.status).toBe('DONE');
  }
  expect(lastStatus).toMatch(/^DONE Training finished/);
});

it('runs the interactive example of the README, on this MONAI Label server and on an AIAA one', async () => {
  await using aiaa = await startTestServer();
  for (const [url, auth] of [
    [server.url, { username: 'ana', password }],
    [aiaa.url, undefined],
  ] as const) {
    const lines: string[] = [];
    const tunnel = { url };
    await using server = await connectAnnotationServer({ baseUrl: tunnel.url, protocol: 'auto', ...(auth ? { auth } : {}) }); // or 'aiaa' / 'monai-label'
    const model = (await server.listModels()).find((m) => m.kind === 'interactive' && m.dimension === 3)!;
    await using image = await server.openImage(await openImageFile(join(dir, 'ct.nii.gz'))); // once: a session, or the datastore
    const { mask, labels } = await server.click(model.name, image, { foreground: [[120, 88, 40]], background: [[40, 40, 40]] });
    if (server.capabilities.saveLabel) await server.saveLabel(image, mask); // MONAI Label: the final label
    if (server.capabilities.training) await server.train({ onStatus: ({ state, lastLine }) => lines.push(`${state} ${lastLine ?? ''}`) });
    expect(dice((await readNifti(mask)).data as Uint8Array, truth)).toBeGreaterThanOrEqual(0.95);
    expect(labels.length).toBe(1);
    expect(lines.length > 0).toBe(server.protocol === 'monai-label');
  }
});
