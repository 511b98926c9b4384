import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { writeNifti, readNifti } from '@medaas/nifti-io';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';
import { dice, serializeWindowModel, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';

let server: TestServer;
let client: AiaaClient;

beforeAll(async () => {
  server = await startTestServer();
  client = createAiaaClient({ baseUrl: server.url });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('the admin model API', () => {
  it('loads a model with PUT (config + weights), lists and segments with it, reads it with GET and unloads it with DELETE', async () => {
    const { volume, truth } = spherePhantom();
    const weights = serializeWindowModel({ low: 500, high: 5000, opening: 0, fillHoles: true });
    const loaded = await client.putModel('sphere_learned', {
      config: { type: 'segmentation', labels: ['sphere'], description: 'learned' },
      weights,
      weightsFileName: 'model.json',
    });
    expect(loaded).toMatchObject({ name: 'sphere_learned', labels: ['sphere'] });
    expect(await client.model('sphere_learned')).toMatchObject({
      name: 'sphere_learned',
      type: 'segmentation',
      labels: ['sphere'],
      description: 'learned',
    });
    const { mask } = await client.segmentation('sphere_learned', await writeNifti(volume, { gzip: true }));
    expect(dice((await readNifti(mask)).data as Uint8Array, truth)).toBeGreaterThan(0.95);
    expect(await client.getModelConfig('sphere_learned')).toMatchObject({ window: { low: 500, high: 5000 } });
    await client.deleteModel('sphere_learned');
    await expect(client.getModelConfig('sphere_learned')).rejects.toMatchObject({ code: 'AIAA_HTTP_STATUS', details: { status: 404 } });
    expect((await client.listModels()).map((m) => m.name)).not.toContain('sphere_learned');
  });

  it('surfaces a refused model as AIAA_HTTP_STATUS with the server message', async () => {
    const error = await client
      .putModel('bad', { config: '{"labels":["x"]}', weights: new Uint8Array([0x80, 0x81]) })
      .catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['status']).toBe(400);
    expect((error as Error).message).toContain('broken or truncated');
  });

  it('checks names and configs before sending anything', async () => {
    for (const name of ['', '../etc', 'a/b', 'x\ny']) {
      await expect(client.putModel(name, { config: {}, weights: new Uint8Array(1) })).rejects.toMatchObject({
        code: 'AIAA_INVALID_ARGUMENT',
      });
      await expect(client.deleteModel(name)).rejects.toMatchObject({ code: 'AIAA_INVALID_ARGUMENT' });
    }
    await expect(client.putModel('m', { config: '[1,2]', weights: new Uint8Array(1) })).rejects.toMatchObject({
      code: 'AIAA_INVALID_ARGUMENT',
    });
    await expect(client.putModel('m', { config: '{', weights: new Uint8Array(1) })).rejects.toMatchObject({
      code: 'AIAA_INVALID_ARGUMENT',
    });
  });

  it('sends the multipart shape Clara expects: a config field and a data file, to /admin/model/{name}', async () => {
    let seen: { method?: string; url?: string; body?: string } = {};
    const recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString('latin1') };
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    await using recorded = createAiaaClient({ baseUrl: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}` });
    await recorded.putModel('spleen seg', { config: { type: 'segmentation' }, weights: new Uint8Array([1, 2, 3]) });
    recorder.close();
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/admin/model/spleen%20seg');
    expect(seen.body).toContain('Content-Disposition: form-data; name="config"\r\n\r\n{"type":"segmentation"}\r\n');
    expect(seen.body).toContain('Content-Disposition: form-data; name="data"; filename="model.ts"');
    expect(seen.body).toContain('\x01\x02\x03\r\n');
  });
});
