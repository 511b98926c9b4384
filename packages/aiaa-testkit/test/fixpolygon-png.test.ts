import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PYTHON_CLIENT_BOUNDARY, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { encodePng } from '../src/png.js';

// The official Python client's 2-D fixpolygon: params + a PNG image (field "datapoint"), in its hand-built
// multipart with the unquoted '$' boundary; the reply is read with Python's cgi module and Pillow.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function multipart(params: unknown, png: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="params"\r\n\r\n${JSON.stringify(params)}\r\n`),
    Buffer.from(
      `--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="datapoint"; filename="/tmp/slice.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    Buffer.from(png),
    Buffer.from(`\r\n--${PYTHON_CLIENT_BOUNDARY}--\r\n\r\n`),
  ]);
}

it('fixpolygon takes a 2-D PNG, moves the vertex, and returns the polygon and a PNG mask the official client reads', async () => {
  const width = 40;
  const height = 30;
  const image = encodePng({ width, height, data: new Uint8Array(width * height).fill(80) });
  const square = [
    [10, 10],
    [20, 10],
    [20, 20],
    [10, 20],
  ];
  const params = { poly: [square], vertex_offset: [5, 0], dimension: 2, polygon_index: 0, vertex_index: 1, propagate_neighbor: 0 };
  const reply = await fetch(`${server.url}/v1/fixpolygon`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${PYTHON_CLIENT_BOUNDARY}` },
    body: Uint8Array.from(multipart(params, image)),
  });
  expect(reply.status).toBe(200);
  const body = Buffer.from(await reply.arrayBuffer());
  const script = `
import cgi, io, json, sys, warnings
from PIL import Image
warnings.simplefilter('ignore')
body = sys.stdin.buffer.read()
fs = cgi.FieldStorage(fp=io.BytesIO(body), environ={'REQUEST_METHOD': 'POST', 'CONTENT_TYPE': sys.argv[1], 'CONTENT_LENGTH': str(len(body))}, keep_blank_values=True)
out = {}
for f in fs.list:
    if f.filename:
        img = Image.open(io.BytesIO(f.value))
        px = img.load()
        out['file'] = f.filename
        out['size'] = list(img.size)
        out['inside'] = px[22, 15]
        out['outside'] = px[5, 5]
        out['labelled'] = sum(1 for v in img.getdata() if v)
    else:
        out['params'] = json.loads(f.value)
print(json.dumps(out))
`;
  const parsed = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script, reply.headers.get('content-type')!], { input: body, encoding: 'utf8' }),
  );
  expect(parsed.params.poly).toEqual([
    [
      [10, 10],
      [25, 10],
      [20, 20],
      [10, 20],
    ],
  ]);
  expect(parsed.file).toBe('mask.png');
  expect(parsed.size).toEqual([width, height]);
  expect(parsed.inside).toBe(255);
  expect(parsed.outside).toBe(0);
  expect(parsed.labelled).toBeGreaterThan(100);
});

it('a corrupt PNG is a 400 with a JSON message, and the server keeps serving', async () => {
  const broken = encodePng({ width: 8, height: 8, data: new Uint8Array(64) }).subarray(0, 40);
  const reply = await fetch(`${server.url}/v1/fixpolygon`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${PYTHON_CLIENT_BOUNDARY}` },
    body: Uint8Array.from(
      multipart(
        {
          poly: [
            [
              [1, 1],
              [3, 1],
              [3, 3],
            ],
          ],
          vertex_offset: [1, 0],
          dimension: 2,
          polygon_index: 0,
          vertex_index: 0,
        },
        broken,
      ),
    ),
  });
  expect(reply.status).toBe(400);
  expect(((await reply.json()) as { error: string }).error).toMatch(/PNG/);
  expect((await fetch(`${server.url}/v1/models`)).status).toBe(200);
});
