import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNifti } from '@medaas/nifti-io';
import { createAiaaClient } from '@medaas/aiaa-client';
import { openImageFile } from '@medaas/aiaa-client/node';
import { spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'aiaa-readme-'));
  await writeFile(join(dir, 'ct.nii.gz'), await writeNifti(spherePhantom().volume, { gzip: true }));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

it('runs the README quick start', async () => {
  const phases = new Set<string>();
  {
    await using client = createAiaaClient({ baseUrl: server.url });
    const [deepgrow] = await client.listModels({ type: 'deepgrow' });
    const image = await openImageFile(join(dir, 'ct.nii.gz'));
    await using session = await client.createSession(image, { expirySec: 600 });
    const click = await client.deepgrow(deepgrow!.name, session, {
      foreground: [[30, 28, 20]],
      background: [[2, 2, 2]],
      onProgress: ({ phase }) => phases.add(phase),
    });
    expect(click.mask.byteLength).toBeGreaterThan(0);
    expect(click.crop).toEqual([
      [19, 41],
      [17, 39],
      [9, 31],
    ]);
    expect(server.stats().sessions).toBe(1);
  }
  // Leaving the block disposed of the session (DELETE on the server) and of the client.
  expect(server.stats().sessions).toBe(0);
  expect([...phases].sort()).toEqual(['download', 'upload']);
});
