import { afterAll, describe, expect, it } from 'vitest';
import { serializeWindowModel } from '@medaas/aiaa-testkit';
import { startChildServer, type ChildServer } from './helpers/child-server.js';
import { multipart, request, type RawReply } from './helpers/raw-http.js';

// The AIAA admin API (`PUT|GET|DELETE /admin/model/{name}`) against servers in child processes: model
// uploads are bounded in bytes and in number, and an optional token closes the API to anyone without it.
const MiB = 1024 * 1024;
const children: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.close()));
});

async function child(options: Parameters<typeof startChildServer>[0] = {}): Promise<ChildServer> {
  const server = await startChildServer(options);
  children.push(server);
  return server;
}

const weights = serializeWindowModel({ low: 100, high: 2000, opening: 0, fillHoles: false });
const config = (labels: readonly string[] = ['spleen']): string =>
  JSON.stringify({ type: 'segmentation', labels, description: 'learned window', version: '2' });

function putModel(
  server: ChildServer,
  name: string,
  options: { data?: Uint8Array; config?: string; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const body = multipart(
    {},
    { config: ['config_aiaa.json', Buffer.from(options.config ?? config())], data: ['model.json', options.data ?? weights] },
  );
  return request(server.port, 'PUT', `/admin/model/${name}`, { body, ...(options.headers ? { headers: options.headers } : {}) });
}

describe('model uploads are bounded', () => {
  it('a model body over limits.maxModelBytes is a 413, and the server keeps serving', async () => {
    const server = await child({ limits: { maxModelBytes: MiB } });
    const reply = await putModel(server, 'big', { data: Buffer.alloc(2 * MiB, 0x20) });
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(/the request body has \d+ bytes, more than the 1048576 this server reads here/);
    expect((await putModel(server, 'small')).status).toBe(200);
  });

  it('the number of models is bounded (409 past limits.maxModels); replacing or deleting one still works', async () => {
    const server = await child({ limits: { maxModels: 8 } });
    const statuses: number[] = [];
    for (let i = 0; i < 300; i += 1) statuses.push((await putModel(server, `model_${i}`)).status);
    // The 5 default models and 3 loaded ones fill the 8.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(new Set(statuses.slice(3))).toEqual(new Set([409]));
    const refused = await putModel(server, 'one_more');
    expect(refused.json().error).toMatch(
      /the server holds 8 models, its limit \(limits\.maxModels\); delete one before loading "one_more"/,
    );
    expect((await request(server.port, 'GET', '/v1/models')).json()).toHaveLength(8);
    expect((await putModel(server, 'model_0', { config: config(['liver']) })).status).toBe(200);
    expect((await request(server.port, 'DELETE', '/admin/model/model_1')).status).toBe(200);
    expect((await putModel(server, 'one_more')).status).toBe(200);
  });

  it('2000 model uploads leave the heap about where it was', async () => {
    const server = await child();
    const labels = Array.from({ length: 256 }, (_, i) => `structure_${i}_${'x'.repeat(200)}`);
    const before = (await server.memory()).heapUsed;
    let loaded = 0;
    for (let i = 0; i < 2000; i += 1) if ((await putModel(server, `m${i}`, { config: config(labels) })).status === 200) loaded += 1;
    const after = (await server.memory()).heapUsed;
    expect(loaded).toBe(64 - 5);
    // 59 models of 256 labels of 214 characters are about 3 MiB; 2000 of them would be about 110 MiB.
    expect((after - before) / MiB).toBeLessThan(32);
    console.log(`2000 admin model uploads: heap ${(before / MiB).toFixed(0)} -> ${(after / MiB).toFixed(0)} MiB`);
  }, 60_000);

  it('configs are bounded too: too many labels or a huge description is a 413, a deep one a 400', async () => {
    const server = await child();
    const many = await putModel(server, 'many', { config: config(Array.from({ length: 300 }, (_, i) => `l${i}`)) });
    expect(many.status).toBe(413);
    expect(many.json().error).toMatch(/300 labels; at most 256/);
    const described = await putModel(server, 'described', { config: JSON.stringify({ labels: ['a'], description: 'd'.repeat(5000) }) });
    expect(described.status).toBe(413);
    const deep = await putModel(server, 'deep', { config: `{"labels": ["a"], "type": ${'['.repeat(50_000)}${']'.repeat(50_000)}}` });
    expect(deep.status).toBe(400);
    expect(deep.json().error).toMatch(/nested more than 64 deep/);
  });
});

describe('adminToken', () => {
  it('when set, the admin API needs Authorization: Bearer <token> (401 otherwise); the rest of AIAA stays open', async () => {
    const token = 'c2VjcmV0LXRlc3Qta2l0';
    const server = await child({ adminToken: token });
    const missing = await putModel(server, 'guarded');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.json().error).toMatch(/the admin API needs "Authorization: Bearer <token>"/);
    expect(JSON.stringify(missing.json())).not.toContain(token);
    const wrong = await request(server.port, 'GET', '/admin/model/segmentation_threshold', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error).toBe('the admin token is wrong');
    expect((await request(server.port, 'DELETE', '/admin/model/segmentation_threshold')).status).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    expect((await putModel(server, 'guarded', { headers: auth })).status).toBe(200);
    expect((await request(server.port, 'GET', '/admin/model/guarded', { headers: auth })).json()).toMatchObject({
      name: 'guarded',
      labels: ['spleen'],
    });
    expect((await request(server.port, 'GET', '/v1/models?model=guarded')).status).toBe(200);
    // Without a token the admin API is open, as the AIAA contract has it.
    const open = await child();
    expect((await request(open.port, 'GET', '/admin/model/segmentation_threshold')).status).toBe(200);
  });
});
