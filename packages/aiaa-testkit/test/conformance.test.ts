import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { labelDice, readNifti, writeNifti, type Volume } from '@medaas/nifti-io';
import { PYTHON_CLIENT_BOUNDARY, extremePointsOf, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';

// Requests below are built byte for byte the way the official clients build them (py_client/client_api.py
// and the C++ client), and sent over a raw socket, so nothing of ours sits between them and the server.
let server: TestServer;
let volume: Volume;
let truth: Uint8Array;
let image: Uint8Array;
let now = 1_700_000_000_000;

beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
  ({ volume, truth } = spherePhantom());
  image = await writeNifti(volume, { gzip: true });
});

afterAll(async () => {
  await server.close();
});

interface RawReply {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The official Python client's hand-built multipart: unquoted boundary, text fields first, each part followed by CRLF. */
function pythonMultipart(fields: Record<string, string>, files: Record<string, [string, Uint8Array]>): Buffer {
  const lines: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    lines.push(Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`));
  }
  for (const [key, [filename, data]] of Object.entries(files)) {
    lines.push(
      Buffer.from(
        `--${PYTHON_CLIENT_BOUNDARY}\r\nContent-Disposition: form-data; name="${key}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    lines.push(Buffer.from(data), Buffer.from('\r\n'));
  }
  lines.push(Buffer.from(`--${PYTHON_CLIENT_BOUNDARY}--\r\n\r\n`));
  return Buffer.concat(lines);
}

/** Sends one raw HTTP request and reads the reply until the server closes (HTTP/1.0) or Content-Length is met. */
function raw(
  method: string,
  path: string,
  options: { version?: '1.0' | '1.1'; body?: Buffer; contentType?: string } = {},
): Promise<RawReply> {
  const version = options.version ?? '1.1';
  const head =
    `${method} ${path} HTTP/${version}\r\nHost: 127.0.0.1:${server.port}\r\nAccept-Encoding: identity\r\n` +
    (version === '1.1' ? 'Connection: close\r\n' : '') +
    (options.body
      ? `Content-Type: ${options.contentType ?? `multipart/form-data; boundary=${PYTHON_CLIENT_BOUNDARY}`}\r\nContent-Length: ${options.body.length}\r\n`
      : '') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ statusLine: lines[0]!, status: Number(lines[0]!.split(' ')[1]), headers, body: all.subarray(split + 4) });
    });
    socket.write(head);
    if (options.body) socket.write(options.body);
  });
}

/** Parses a multipart reply the way the official Python client does (cgi.FieldStorage), with Debian's Python 3.11. */
function parseWithPythonCgi(reply: RawReply): { form: Record<string, string>; files: Record<string, string> } {
  const script = `
import cgi, io, json, sys, base64, warnings
warnings.simplefilter('ignore')
body = sys.stdin.buffer.read()
env = {'REQUEST_METHOD': 'POST', 'CONTENT_TYPE': sys.argv[1], 'CONTENT_LENGTH': str(len(body))}
fs = cgi.FieldStorage(fp=io.BytesIO(body), environ=env, keep_blank_values=True)
form, files = {}, {}
for f in fs.list:
    if f.filename:
        files[f.filename] = base64.b64encode(f.value).decode()
    else:
        form[f.name] = f.value
print(json.dumps({'form': form, 'files': files}))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script, reply.headers['content-type']!], { input: reply.body });
  return JSON.parse(out.toString()) as { form: Record<string, string>; files: Record<string, string> };
}

describe('what the official clients send, the test server answers as they expect', () => {
  it('GET /v1/models gives an array; ?model= gives the single object the C++ Client::model() parses', async () => {
    const list = await raw('GET', '/v1/models');
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body.toString())).toHaveLength(5);
    const one = JSON.parse((await raw('GET', '/v1/models?model=annotation_dextr3d')).body.toString());
    expect(one).toMatchObject({
      name: 'annotation_dextr3d',
      type: 'annotation',
      'internal name': 'ExtremePointBoxEngine',
      padding: 20,
      roi: [128, 128, 128],
      sigma: 3,
    });
    expect(Array.isArray(one)).toBe(false);
    const byLabelAndType = JSON.parse((await raw('GET', '/v1/models?label=object&type=deepgrow')).body.toString());
    expect(byLabelAndType.map((m: { name: string }) => m.name)).toEqual(['deepgrow_3d', 'deepgrow_2d']);
  });

  it('Python create_session: PUT /session/?expiry=0 with file field "image" and no params; then 440 after expiry', async () => {
    const reply = await raw('PUT', '/session/?expiry=0', { body: pythonMultipart({}, { image: ['/tmp/tmpab12/image.nii.gz', image] }) });
    expect(reply.status).toBe(200);
    const { session_id: id, expiry } = JSON.parse(reply.body.toString());
    expect(typeof id).toBe('string');
    expect(expiry).toBe(600);
    expect((await raw('GET', `/session/${id}`)).status).toBe(200);
    now += 601_000;
    const expired = await raw('POST', `/v1/segmentation?model=segmentation_threshold&session_id=${id}`, {
      body: pythonMultipart({ params: '{}' }, {}),
    });
    expect(expired.status).toBe(440);
    expect((await raw('GET', `/session/${id}`)).status).toBe(440);
  });

  it('C++ posts: HTTP/1.0, file field "image", params={}; the reply has a Content-Length and parses', async () => {
    const reply = await raw('POST', '/v1/segmentation?model=segmentation_threshold', {
      version: '1.0',
      body: pythonMultipart({ params: '{}' }, { image: ['image.nii.gz', image] }),
    });
    expect(reply.statusLine).toMatch(/^HTTP\/1\.[01] 200/);
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(reply.headers['content-type']).toBe(`multipart/form-data; boundary=${PYTHON_CLIENT_BOUNDARY}`);
  });

  it('Python dextr3d with legacy string-encoded points and field "datapoint": cgi.FieldStorage reads params and the mask', async () => {
    const points = extremePointsOf(truth, volume.dims);
    const params = JSON.stringify({ points: JSON.stringify(points) });
    const reply = await raw('POST', '/v1/dextr3d?model=annotation_dextr3d', {
      body: pythonMultipart({ params }, { datapoint: ['/tmp/tmpx/roi.nii.gz', image] }),
    });
    expect(reply.status).toBe(200);
    const parsed = parseWithPythonCgi(reply);
    expect(JSON.parse(parsed.form['params']!).points).toEqual(points);
    const [name, b64] = Object.entries(parsed.files)[0]!;
    expect(name).toBe('mask.nii.gz');
    const mask = await readNifti(Buffer.from(b64!, 'base64'));
    expect(mask.dims).toEqual(volume.dims);
    expect(labelDice(mask.data as Uint8Array, truth, { label: 1 })).toBeGreaterThanOrEqual(0.95);
  });

  it('Python deepgrow with current_point and spatial_size: params carry the crop box', async () => {
    const params = JSON.stringify({
      foreground: [[30, 28, 20]],
      background: [],
      current_point: [30, 28, 20],
      spatial_size: [128, 128, 128],
    });
    const reply = await raw('POST', '/v1/deepgrow?model=deepgrow_3d', {
      body: pythonMultipart({ params }, { datapoint: ['/tmp/t/image.nii.gz', image] }),
    });
    const parsed = parseWithPythonCgi(reply);
    // A spatial size larger than the image covers all of it: the crop is then the grown region's box (the sphere's).
    expect(JSON.parse(parsed.form['params']!).crop).toEqual([
      [19, 41],
      [17, 39],
      [9, 31],
    ]);
  });

  it('mask2polygon answers JSON (not multipart), one entry per slice', async () => {
    const seg = await raw('POST', '/v1/segmentation?model=segmentation_threshold', {
      body: pythonMultipart({ params: '{}' }, { datapoint: ['a.nii.gz', image] }),
    });
    const maskBytes = seg.body.subarray(
      seg.body.indexOf('\r\n\r\n', seg.body.indexOf('filename=')) + 4,
      seg.body.lastIndexOf(`\r\n--${PYTHON_CLIENT_BOUNDARY}--`),
    );
    const reply = await raw('POST', '/v1/mask2polygon', {
      body: pythonMultipart({ params: '{"more_points": 2}' }, { datapoint: ['mask.nii.gz', maskBytes] }),
    });
    expect(reply.headers['content-type']).toBe('application/json');
    const polygons = JSON.parse(reply.body.toString());
    expect(polygons).toHaveLength(40);
    expect(polygons[20][0].length).toBeGreaterThan(10);
    expect(polygons[20][0].every((v: number[]) => v.length === 2)).toBe(true);
  });
});

describe('bad requests get 4xx and a JSON message; the server keeps serving', () => {
  const cases: [string, string, string, () => Buffer | undefined, number, RegExp][] = [
    ['no file', 'POST', '/v1/segmentation?model=segmentation_threshold', () => pythonMultipart({ params: '{}' }, {}), 400, /no file part/],
    [
      'unknown model',
      'POST',
      '/v1/segmentation?model=liver',
      () => pythonMultipart({ params: '{}' }, { image: ['a', image] }),
      404,
      /unknown model/,
    ],
    ['no model', 'POST', '/v1/deepgrow', () => pythonMultipart({ params: '{}' }, { image: ['a', image] }), 400, /model query parameter/],
    [
      'bad points',
      'POST',
      '/v1/dextr3d?model=annotation_dextr3d',
      () => pythonMultipart({ params: '{"points": [[1, 2], "x"]}' }, { image: ['a', image] }),
      400,
      /points/,
    ],
    [
      'points outside',
      'POST',
      '/v1/deepgrow?model=deepgrow_3d',
      () => pythonMultipart({ params: '{"foreground": [[999, 0, 0]]}' }, { image: ['a', image] }),
      400,
      /outside the image/,
    ],
    [
      'too few points',
      'POST',
      '/v1/dextr3d?model=annotation_dextr3d',
      () => pythonMultipart({ params: '{"points": "[[1,2,3]]"}' }, { image: ['a', image] }),
      400,
      /at least 6/,
    ],
    [
      'params not JSON',
      'POST',
      '/v1/inference?model=segmentation_threshold',
      () => pythonMultipart({ params: '{oops' }, { image: ['a', image] }),
      400,
      /not valid JSON/,
    ],
    [
      'not NIfTI',
      'POST',
      '/v1/segmentation?model=segmentation_threshold',
      () => pythonMultipart({ params: '{}' }, { image: ['a.png', Buffer.from('\x89PNG....')] }),
      400,
      /not a readable NIfTI/,
    ],
    [
      'wrong model type',
      'POST',
      '/v1/segmentation?model=deepgrow_3d',
      () => pythonMultipart({ params: '{}' }, { image: ['a', image] }),
      400,
      /deepgrow model/,
    ],
    ['not multipart', 'POST', '/v1/segmentation?model=segmentation_threshold', () => Buffer.from('{}'), 415, /multipart/],
    [
      'truncated multipart',
      'POST',
      '/v1/segmentation?model=segmentation_threshold',
      () => pythonMultipart({ params: '{}' }, { image: ['a', image] }).subarray(0, 500),
      400,
      /truncated|malformed/,
    ],
    ['unknown path', 'GET', '/v2/models', () => undefined, 404, /no such endpoint/],
    ['wrong method', 'DELETE', '/v1/models', () => undefined, 405, /not allowed/],
    ['unknown session', 'GET', '/session/does-not-exist', () => undefined, 440, /expired or does not exist/],
  ];
  it.each(cases)('%s', async (_name, method, path, body, status, message) => {
    const payload = body();
    const reply = await raw(
      method,
      path,
      payload ? { body: payload, ...(_name === 'not multipart' ? { contentType: 'application/json' } : {}) } : {},
    );
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.body.toString()).error).toMatch(message);
    expect((await raw('GET', '/v1/models')).status).toBe(200);
  });

  it('refuses an upload over maxUploadBytes with 413', async () => {
    await using small = await startTestServer({ maxUploadBytes: 1000 });
    const saved = server;
    server = small;
    try {
      const reply = await raw('PUT', '/session/', { body: pythonMultipart({}, { image: ['a', image] }) });
      expect(reply.status).toBe(413);
    } finally {
      server = saved;
    }
  });
});

describe('sessions in memory with a size limit', () => {
  it('drops the least recently used session when the store is full', async () => {
    await using small = await startTestServer({ sessions: { maxSessions: 2 } });
    const saved = server;
    server = small;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        ids.push(
          JSON.parse((await raw('PUT', '/session/', { body: pythonMultipart({}, { image: ['a', image] }) })).body.toString()).session_id,
        );
        if (i === 1) expect((await raw('GET', `/session/${ids[0]}`)).status).toBe(200); // ids[0] is now more recent than ids[1]
      }
      expect((await raw('GET', `/session/${ids[1]}`)).status).toBe(440);
      expect((await raw('GET', `/session/${ids[0]}`)).status).toBe(200);
      expect((await raw('GET', `/session/${ids[2]}`)).status).toBe(200);
      expect(small.stats().sessions).toBe(2);
      expect((await raw('DELETE', `/session/${ids[2]}`)).status).toBe(200);
      expect(small.stats().sessions).toBe(1);
    } finally {
      server = saved;
    }
  });

  it('listens on loopback only and refuses bad options', async () => {
    await expect(startTestServer({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'TESTKIT_INVALID_OPTIONS' });
    await expect(
      startTestServer({
        models: [
          { name: 'a', type: 'segmentation', algorithm: 'threshold' },
          { name: 'a', type: 'segmentation', algorithm: 'threshold' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'TESTKIT_INVALID_OPTIONS' });
    await expect(startTestServer({ port: server.port })).rejects.toMatchObject({ code: 'TESTKIT_LISTEN' });
  });
});
