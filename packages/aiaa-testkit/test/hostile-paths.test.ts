import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@medaas/nifti-io';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { startChildServer, type ChildServer } from './helpers/child-server.js';
import { multipart, request } from './helpers/raw-http.js';

// Bad request targets and hostile bodies on both faces: each answer is a typed 4xx in the face's error
// shape (AIAA `{"error"}`, MONAI Label `{"detail"}`), never a 500, and the server keeps serving.
let aiaa: ChildServer;
let monai: ChildServer;
let image: Uint8Array;
const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

beforeAll(async () => {
  [aiaa, monai] = await Promise.all([
    startChildServer(),
    startChildServer({ protocol: 'monai-label', limits: { maxDatastoreImages: 2, maxDatasetBytes: 4096 } }),
  ]);
  image = await writeNifti(spherePhantom({ dims: [32, 32, 8], spheres: [{ center: [16, 16, 4], radius: 5, value: 1000 }] }).volume, {
    gzip: true,
  });
});

afterAll(async () => {
  await Promise.all([aiaa?.close(), monai?.close()]);
});

const message = (body: Record<string, unknown>): string => String(body['error'] ?? body['detail']);

describe('request targets', () => {
  const targets: [string, string, string, number, RegExp][] = [
    ['aiaa', 'GET', '//', 404, /no such endpoint: \/\//],
    ['aiaa', 'GET', '/session/%E0%A4%A', 400, /malformed percent-escape in the path segment "%E0%A4%A"/],
    ['aiaa', 'DELETE', '/session/%ZZ', 400, /malformed percent-escape/],
    ['aiaa', 'GET', '/admin/model/%E0%A4%A', 400, /malformed percent-escape/],
    ['aiaa', 'GET', '/v1/models/%E0%A4%A', 404, /no such endpoint/],
    ['monai', 'GET', '//', 404, /Not Found/],
    ['monai', 'GET', '/session/%E0%A4%A', 400, /malformed percent-escape/],
    ['monai', 'GET', '/model/%E0%A4%A', 400, /malformed percent-escape/],
    ['monai', 'GET', '/model/info/%E0%A4%A', 400, /malformed percent-escape/],
    ['monai', 'POST', '/infer/%E0%A4%A', 400, /malformed percent-escape/],
    ['monai', 'POST', '/train/%E0%A4%A', 400, /malformed percent-escape/],
    ['monai', 'POST', '/activelearning/%E0%A4%A', 400, /malformed percent-escape/],
  ];
  it.each(targets)('%s %s %s: %i', async (face, method, path, status, pattern) => {
    const server = face === 'aiaa' ? aiaa : monai;
    const reply = await request(server.port, method, path);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(message(reply.json())).toMatch(pattern);
    expect((await request(server.port, 'GET', face === 'aiaa' ? '/v1/models' : '/info/')).status).toBe(200);
  });
});

describe('hostile bodies on MONAI Label', () => {
  const infer = (model: string, params: string) =>
    request(monai.port, 'POST', `/infer/${model}?output=json`, { body: multipart({ params }, { file: ['image.nii.gz', image] }) });

  it('130 000 DeepGrow clicks: 413 naming limits.maxPoints', async () => {
    const clicks = JSON.stringify(Array.from({ length: 130_000 }, (_, i) => [i % 32, i % 32, i % 8]));
    const reply = await infer('deepgrow_3d', `{"foreground": ${clicks}}`);
    expect(reply.status).toBe(413);
    expect(message(reply.json())).toMatch(/foreground has 130000 points, at most 10000 are allowed \(limits\.maxPoints\)/);
    expect((await infer('deepgrow_3d', '{"foreground": [[16, 16, 4]]}')).status).toBe(200);
  });

  it('params, task bodies and info nested 100 000 deep: 422, and the datastore index stays writable', async () => {
    const params = await infer('deepgrow_3d', `{"foreground": [${deep}]}`);
    expect(params.status).toBe(422);
    expect(message(params.json())).toMatch(/nested more than 64 deep/);
    const train = await request(monai.port, 'POST', '/train/segmentation', {
      body: Buffer.from(`{"x": ${deep}}`),
      contentType: 'application/json',
    });
    expect(train.status).toBe(422);
    expect(JSON.stringify(train.json())).toMatch(/nested more than 64 deep/);
    const upload = await request(monai.port, 'PUT', '/datastore/image?image=deep', {
      body: multipart({ params: `{"x": ${deep}}` }, { file: ['deep.nii.gz', image] }),
    });
    expect(upload.status).toBe(422);
    expect(
      (await request(monai.port, 'PUT', '/datastore/image?image=one', { body: multipart({}, { file: ['one.nii.gz', image] }) })).status,
    ).toBe(200);
    const info = await request(monai.port, 'PUT', '/datastore/image/info?image=one', {
      body: Buffer.from(`info=${encodeURIComponent(`{"x": ${deep.slice(0, 20_000)}${deep.slice(-20_000)}}`)}`),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(info.status).toBe(422);
    expect((await request(monai.port, 'GET', '/datastore/?output=all')).status).toBe(200);
    expect(
      (
        await request(monai.port, 'PUT', '/datastore/image/info?image=one', {
          body: Buffer.from('info=%7B%22ok%22%3A1%7D'),
          contentType: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(200);
  });

  it('the datastore holds at most limits.maxDatastoreImages images; the dataset zip at most limits.maxDatasetBytes', async () => {
    expect(
      (await request(monai.port, 'PUT', '/datastore/image?image=two', { body: multipart({}, { file: ['two.nii.gz', image] }) })).status,
    ).toBe(200);
    const third = await request(monai.port, 'PUT', '/datastore/image?image=three', {
      body: multipart({}, { file: ['three.nii.gz', image] }),
    });
    expect(third.status).toBe(413);
    expect(message(third.json())).toMatch(/the datastore holds 2 images, its limit \(limits\.maxDatastoreImages\)/);
    for (const id of ['one', 'two']) {
      expect(
        (
          await request(monai.port, 'PUT', `/datastore/label?image=${id}&tag=final`, {
            body: multipart({}, { label: [`${id}.nii.gz`, image] }),
          })
        ).status,
      ).toBe(200);
    }
    const zip = await request(monai.port, 'GET', '/datastore/dataset');
    expect(zip.status).toBe(413);
    expect(message(zip.json())).toMatch(
      /more than the 4096 this server zips at once \(limits\.maxDatasetBytes\); ask for fewer with limit_cases/,
    );
  });

  it('property: random DeepGrow and DeepEdit click params never get a 500 and are always answered', async () => {
    const coordinate = fc.oneof(
      fc.integer({ min: -4, max: 40 }),
      fc.double({ noNaN: true }),
      fc.constantFrom(1e12, -1, Number.MAX_SAFE_INTEGER),
    );
    const point = fc.oneof(
      fc.tuple(coordinate, coordinate, coordinate),
      fc.array(coordinate, { maxLength: 4 }),
      fc.constant('x'),
      fc.constant(null),
    );
    const clicks = fc.oneof(fc.array(point, { maxLength: 30 }), fc.constant('[[1, 2, 3]]'), fc.constant('[[['), fc.integer());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('deepgrow_3d', 'deepgrow_2d', 'deepedit'),
        fc.record(
          {
            foreground: clicks,
            background: clicks,
            object: clicks,
            current_point: point,
            spatial_size: fc.array(coordinate, { maxLength: 4 }),
          },
          { requiredKeys: [] },
        ),
        async (model, params) => {
          const reply = await infer(model, JSON.stringify(params));
          expect(reply.status, reply.body.toString().slice(0, 200)).toBeLessThan(500);
        },
      ),
      { numRuns: 100, seed: 20_261_203 },
    );
    expect((await request(monai.port, 'GET', '/info/')).status).toBe(200);
  });
});
