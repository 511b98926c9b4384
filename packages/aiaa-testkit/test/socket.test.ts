import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startTestServer } from '@medaas/aiaa-testkit';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { host: 'localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves both protocols on a Unix socket, replacing a stale socket file but not a live server or another file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medaas-socket-'));
  dirs.push(dir);
  const socketPath = join(dir, 'server.sock');
  // A socket file left by a killed server: bound once, its listener gone.
  const stale = createServer();
  await new Promise<void>((resolve) => stale.listen(socketPath, resolve));
  await new Promise<void>((resolve) => stale.close(() => resolve()));
  await writeFile(join(dir, 'not-a-socket'), 'x');
  {
    await using aiaa = await startTestServer({ socketPath });
    expect(aiaa).toMatchObject({ socketPath, port: 0, url: 'http://localhost' });
    const models = await get(socketPath, '/v1/models');
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body).map((m: { name: string }) => m.name)).toContain('segmentation_threshold');
    await expect(startTestServer({ socketPath })).rejects.toMatchObject({ code: 'TESTKIT_LISTEN' });
  }
  await expect(startTestServer({ socketPath: join(dir, 'not-a-socket') })).rejects.toMatchObject({ code: 'TESTKIT_INVALID_OPTIONS' });
  await using _monai = await startTestServer({ protocol: 'monai-label', socketPath });
  const info = await get(socketPath, '/info/');
  expect(info.status).toBe(200);
  expect(Object.keys(JSON.parse(info.body).models)).toContain('segmentation');
});
