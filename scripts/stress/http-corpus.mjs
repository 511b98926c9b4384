// The hostile-request corpus against the testkit server, both protocols: malformed HTTP, hostile numbers,
// bombs. Each request must get a typed answer (4xx or 503 with a message) within its time, and the server
// must answer a plain request right after it.
import { farOffset, gzipBomb, patchHeader, phantomNifti } from './nifti-inputs.mjs';
import { healthy, httpRequest, multipart, rawRequest, startServer, Tally } from './lib.mjs';

function classify(reply) {
  if (reply.hung) return 'hangs';
  if ((reply.status >= 400 && reply.status < 500) || reply.status === 503) return 'typed';
  return 'untyped';
}

/** The AIAA v1 corpus: [label, request bytes]. */
async function aiaaCorpus(nifti) {
  const params = (value) => ({ name: 'params', value: JSON.stringify(value) });
  const image = (data, fileName = 'image.nii.gz') => ({ name: 'image', fileName, data });
  const post = (path, parts) => {
    const { body, contentType } = multipart(parts);
    return httpRequest('POST', path, { headers: { 'Content-Type': contentType }, body });
  };
  const points = (n) => Array.from({ length: n }, (_, i) => [i % 64, (i * 7) % 60, i % 40]);
  const bomb = await gzipBomb(nifti.raw, [2048, 2048, 256]);
  return [
    ['GET //', httpRequest('GET', '//')],
    ['a broken percent-escape', httpRequest('GET', '/v1/models/%E0%A4%A')],
    ['a 64 KiB path', httpRequest('GET', `/${'a'.repeat(65_536)}`)],
    ['an unknown method', httpRequest('BREW', '/v1/models')],
    ['no body where one is needed', httpRequest('POST', '/v1/segmentation?model=segmentation_threshold')],
    [
      'a declared length far beyond the body',
      httpRequest('POST', '/v1/segmentation?model=segmentation_threshold', {
        headers: { 'Content-Length': '99999999999', 'Content-Type': 'multipart/form-data; boundary=x' },
        body: Buffer.from('--x\r\n'),
      }),
    ],
    [
      'chunked garbage',
      httpRequest('POST', '/v1/segmentation?model=segmentation_threshold', {
        headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'multipart/form-data; boundary=x' },
        body: Buffer.from('zz\r\nnot hex\r\n'),
      }),
    ],
    [
      'multipart without a boundary',
      httpRequest('POST', '/v1/segmentation?model=segmentation_threshold', {
        headers: { 'Content-Type': 'multipart/form-data' },
        body: Buffer.from('hello'),
      }),
    ],
    [
      'multipart never closed',
      httpRequest('POST', '/v1/segmentation?model=segmentation_threshold', {
        headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
        body: Buffer.from('--x\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}'),
      }),
    ],
    [
      'params that are not JSON',
      post('/v1/segmentation?model=segmentation_threshold', [{ name: 'params', value: '{"a":' }, image(nifti.gz)]),
    ],
    [
      'fixpolygon: propagate_neighbor_3d 2^53-1',
      post('/v1/fixpolygon', [
        params({
          propagate_neighbor_3d: 2 ** 53 - 1,
          prev_poly: [
            [
              [
                [1, 1],
                [5, 1],
                [5, 5],
              ],
            ],
          ],
          poly: [
            [
              [
                [1, 1],
                [6, 1],
                [6, 6],
              ],
            ],
          ],
          dimension: 3,
          sliceIndex: 5,
        }),
        image(nifti.gz),
      ]),
    ],
    [
      'fixpolygon: a vertex at x = 1e12',
      post('/v1/fixpolygon', [
        params({
          prev_poly: [
            [
              [
                [1, 1],
                [5, 1],
                [5, 5],
              ],
            ],
          ],
          poly: [
            [
              [
                [1e12, 1],
                [6, 1],
                [6, 6],
              ],
            ],
          ],
          dimension: 3,
          sliceIndex: 5,
        }),
        image(nifti.gz),
      ]),
    ],
    [
      'fixpolygon: vertex_offset [1e12, 0]',
      post('/v1/fixpolygon', [
        params({
          vertex_offset: [1e12, 0],
          prev_poly: [
            [
              [
                [1, 1],
                [5, 1],
                [5, 5],
              ],
            ],
          ],
          poly: [
            [
              [
                [1, 1],
                [6, 1],
                [6, 6],
              ],
            ],
          ],
          dimension: 3,
          sliceIndex: 5,
        }),
        image(nifti.gz),
      ]),
    ],
    ['DEXTR3D with 200 000 points', post('/v1/dextr3d?model=annotation_dextr3d', [params({ points: points(200_000) }), image(nifti.gz)])],
    [
      'DeepGrow with 200 000 clicks',
      post('/v1/deepgrow?model=deepgrow_3d', [params({ foreground: points(200_000), background: [] }), image(nifti.gz)]),
    ],
    [
      'a header declaring 32767^3 voxels',
      post('/v1/segmentation?model=segmentation_threshold', [
        params({}),
        image(patchHeader(nifti.raw, { dims: [32767, 32767, 32767] }), 'image.nii'),
      ]),
    ],
    [
      'a .nii.gz whose vox_offset is 1e9',
      post('/v1/segmentation?model=segmentation_threshold', [params({}), image(farOffset(nifti.raw, 1e9))]),
    ],
    ['a gzip bomb (1 GiB of voxels)', post('/v1/segmentation?model=segmentation_threshold', [params({}), image(bomb)])],
    ['a gzip bomb as a session', post('/session/', [params({}), image(bomb)])],
    [
      'a truncated gzip',
      post('/v1/segmentation?model=segmentation_threshold', [params({}), image(nifti.gz.subarray(0, nifti.gz.length >> 1))]),
    ],
    [
      'not gzip under a .gz name',
      post('/v1/segmentation?model=segmentation_threshold', [params({}), image(Buffer.from('plain text, no gzip'))]),
    ],
    [
      'an admin model of 100 MiB',
      (() => {
        const { body, contentType } = multipart([
          { name: 'config', value: '{"type":"segmentation","labels":["x"]}' },
          { name: 'data', fileName: 'model.json', data: Buffer.alloc(100 << 20, 0x20) },
        ]);
        return httpRequest('PUT', '/admin/model/huge', { headers: { 'Content-Type': contentType }, body });
      })(),
    ],
    [
      'an admin model name of 10 000 characters',
      httpRequest('PUT', `/admin/model/${'n'.repeat(10_000)}`, {
        headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
        body: Buffer.from('--x--\r\n'),
      }),
    ],
    [
      'mask2polygon of a huge declared image',
      post('/v1/mask2polygon', [params({}), image(patchHeader(nifti.raw, { dims: [30000, 30000, 1] }), 'mask.nii')]),
    ],
  ];
}

/** The MONAI Label corpus. */
async function monaiCorpus(nifti) {
  const file = (data, name = 'file', fileName = 'image.nii.gz') => ({ name, fileName, data });
  const bomb = await gzipBomb(nifti.raw, [2048, 2048, 256]);
  const form = (method, path, parts) => {
    const { body, contentType } = multipart(parts);
    return httpRequest(method, path, { headers: { 'Content-Type': contentType }, body });
  };
  const json = (method, path, value) =>
    httpRequest(method, path, { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });
  const clicks = (n) => Array.from({ length: n }, (_, i) => [i % 64, (i * 7) % 60, i % 40]);
  return [
    ['GET //', httpRequest('GET', '//')],
    ['a broken percent-escape', httpRequest('GET', '/infer/%E0%A4%A')],
    ['infer with a gzip bomb', form('POST', '/infer/segmentation', [{ name: 'params', value: '{}' }, file(bomb)])],
    [
      'infer with 200 000 clicks',
      form('POST', '/infer/deepgrow_3d', [
        { name: 'params', value: JSON.stringify({ foreground: clicks(200_000), background: [] }) },
        file(nifti.gz),
      ]),
    ],
    [
      'infer with a header declaring 32767^3 voxels',
      form('POST', '/infer/segmentation', [
        { name: 'params', value: '{}' },
        file(patchHeader(nifti.raw, { dims: [32767, 32767, 32767] }), 'file', 'image.nii'),
      ]),
    ],
    [
      'infer with a far vox_offset',
      form('POST', '/infer/segmentation', [{ name: 'params', value: '{}' }, file(farOffset(nifti.raw, 1e9))]),
    ],
    ['a session of a gzip bomb', form('PUT', '/session/', [file(bomb, 'files')])],
    ['a datastore image id that climbs out', form('PUT', '/datastore/image?image=../../../etc/passwd', [file(nifti.gz)])],
    // An image to label first (an ordinary request), then a bomb as its label.
    ['an image for the next request', form('PUT', '/datastore/image?image=stresscase', [file(nifti.gz)]), (reply) => reply.status === 200],
    // A label is stored as it came (1 MiB here) and decoded only under the limits when a task reads it.
    [
      'a datastore label bomb',
      form('PUT', '/datastore/label?image=stresscase&tag=final', [file(bomb, 'label')]),
      (reply) => reply.status === 200,
    ],
    ['training for 10^12 epochs', json('POST', '/train/segmentation', { max_epochs: 1e12 })],
    ['a model file of 100 MiB', form('PUT', '/model/segmentation', [file(Buffer.alloc(100 << 20, 0x20), 'file', 'model.pt')])],
    [
      'a login form of 10 MiB',
      httpRequest('POST', '/auth/token', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(`username=${'u'.repeat(10 << 20)}&password=x`),
      }),
    ],
    // A bounded log is a fine answer: the server keeps only so many lines.
    [
      'logs with 10^12 lines',
      httpRequest('GET', '/logs/?lines=1000000000000&text=true'),
      (reply) => reply.status === 200 && reply.bytes < 4 << 20,
    ],
    [
      'a batch over 10^6 images',
      json('POST', '/batch/infer/segmentation', { images: Array.from({ length: 1_000_000 }, (_, i) => `img${i}`) }),
    ],
    [
      'JSON nested 100 000 deep',
      httpRequest('POST', '/activelearning/random', {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      }),
    ],
  ];
}

/** Runs one face's corpus against a fresh server process; returns its tally and figures. */
export async function runHttpCorpus(protocol) {
  const nifti = await phantomNifti();
  const server = await startServer(protocol === 'aiaa' ? ['--protocol', 'aiaa'] : ['start_server', '--protocol', 'monai-label']);
  const tally = new Tally(`HTTP corpus (${protocol === 'aiaa' ? 'AIAA' : 'MONAI Label'})`);
  const health = protocol === 'aiaa' ? '/v1/models' : '/info/';
  let served = 0;
  try {
    for (const [label, bytes, accept] of protocol === 'aiaa' ? await aiaaCorpus(nifti) : await monaiCorpus(nifti)) {
      const reply = await rawRequest(server.port, bytes, { timeoutMs: 30_000 });
      let outcome = accept && !reply.hung && accept(reply) ? 'typed' : classify(reply);
      if (!server.alive()) outcome = 'untyped';
      tally.add(
        outcome,
        `${label} -> ${reply.hung ? 'no answer in 30 s' : reply.status || 'connection closed'} ${reply.body.slice(0, 120)}`,
      );
      if (!server.alive()) break;
      if (await healthy(server.port, health)) served += 1;
      else tally.add('hangs', `${label}: the server stopped answering ${health}`);
    }
  } finally {
    tally.peakServerMb = server.peakRssMb();
    await server.stop();
  }
  tally.servedUnderAttack = served;
  return tally;
}
