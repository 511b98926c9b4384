import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

// The browser build's back end (fetch), run on Node's own fetch: the same code a bundler puts in a page.
vi.mock('#http', async () => import('../src/connection/http/http-web.js'));
const { createAiaaClient } = await import('@medaas/aiaa-client');
const { createMonaiLabelClient } = await import('@medaas/aiaa-client/monai-label');

let server: RecordingServer;
let other: RecordingServer;
beforeAll(async () => {
  // The other host answers as an AIAA server would, with a mask: following the redirect would "succeed".
  other = await startRecordingServer((_r, res) => {
    res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=B' });
    res.end(
      '--B\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n--B\r\nContent-Disposition: form-data; name="f"; filename="m.nii.gz"\r\n\r\nOTHER HOST MASK\r\n--B--\r\n',
    );
  });
  server = await startRecordingServer();
});
afterAll(async () => {
  await server?.close();
  await other?.close();
});

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (e: unknown) => e,
  );
const image = new Uint8Array(4096).fill(7);

describe('the fetch back end does not follow redirects (as the Node build does not)', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`HTTP ${status} to another host: AIAA_HTTP_STATUS naming the Location, nothing sent there`, async () => {
      other.requests.length = 0;
      const location = `${other.url}/v1/segmentation?model=m`;
      server.respond((_r, res) => res.writeHead(status, { location }).end());
      await using client = createAiaaClient({ baseUrl: server.url, headers: { 'x-api-key': 'the-site-api-key' } });
      const error = await caught(client.segmentation('m', image));
      expect(error).toMatchObject({ code: 'AIAA_HTTP_STATUS', details: { status, location } });
      expect((error as Error).message).toContain(location);
      expect(other.requests).toEqual([]);
    });
  }

  it('MONAI Label: a redirected token request sends the password nowhere else', async () => {
    other.requests.length = 0;
    server.respond((_r, res) => res.writeHead(307, { location: `${other.url}/auth/token` }).end());
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'ana', password: 'secret-password' } });
    const error = await caught(client.info());
    expect(error).toMatchObject({ code: 'AIAA_AUTH_FAILED' });
    expect(other.requests).toEqual([]);
  });
});
