import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMedaasError } from '@medaas/core';
import { spherePhantom, startTestServer } from '@medaas/aiaa-testkit';
import { writeNifti } from '@medaas/nifti-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiaaClient } from '../src/index.js';
import { connectAnnotationServer } from '../src/interactive/index.js';
import { createMonaiLabelClient } from '../src/monai-label/index.js';

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
let image: Uint8Array;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  image = await writeNifti(spherePhantom().volume, { gzip: true });
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('a server of the other protocol is named, not a bare 404', () => {
  it('the MONAI Label client against an AIAA v1 server: AIAA_WRONG_PROTOCOL', async () => {
    await using aiaa = await startTestServer();
    await using client = createMonaiLabelClient({ baseUrl: aiaa.url });
    const error = await caught(client.info());
    expect(isMedaasError(error, 'AIAA_WRONG_PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/an AIAA v1 server: use createAiaaClient/);
  });

  it('the AIAA client against a MONAI Label server: AIAA_WRONG_PROTOCOL', async () => {
    await using ml = await startTestServer({ protocol: 'monai-label' });
    await using client = createAiaaClient({ baseUrl: ml.url });
    const error = await caught(client.listModels());
    expect(isMedaasError(error, 'AIAA_WRONG_PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/a MONAI Label server: use createMonaiLabelClient/);
  });

  it("'auto' finds each protocol", async () => {
    await using aiaa = await startTestServer();
    await using ml = await startTestServer({ protocol: 'monai-label' });
    await using a = await connectAnnotationServer({ baseUrl: aiaa.url, protocol: 'auto' });
    await using m = await connectAnnotationServer({ baseUrl: ml.url, protocol: 'auto' });
    expect([a.protocol, m.protocol]).toEqual(['aiaa', 'monai-label']);
  });
});

describe('faults a real server cannot be made to produce on demand (in-process servers)', () => {
  type Fault = (req: IncomingMessage, res: ServerResponse) => void;
  let fault: Fault = (_req, res) => res.end();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => fault(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("a proxy's HTML error page: AIAA_HTTP_STATUS with the page's text, not its markup", async () => {
    fault = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream monailabel:8000 refused</p></body></html>',
      );
    };
    await using client = createMonaiLabelClient({ baseUrl: url, retry: false });
    const error = await caught(client.segment('segmentation', 'case01'));
    expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['serverMessage']).toBe(
      '502 Bad Gateway Bad Gateway upstream monailabel:8000 refused',
    );
  });

  it('a 200 HTML page where JSON belongs (a captive login page): AIAA_INVALID_RESPONSE', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Please log in</body></html>');
    };
    await using client = createMonaiLabelClient({ baseUrl: url, retry: false });
    expect(isMedaasError(await caught(client.datastoreStats()), 'AIAA_INVALID_RESPONSE')).toBe(true);
  });

  it('a reply cut in the middle of the multipart mask: AIAA_CONNECTION within the timeout', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=9e6c51a2c695423d8ca488ca6492b826', 'content-length': 100_000 });
      res.write(
        '--9e6c51a2c695423d8ca488ca6492b826\r\nContent-Disposition: form-data; name="params"\r\nContent-Type: application/json\r\n\r\n{}\r\n',
      );
      res.write(
        '--9e6c51a2c695423d8ca488ca6492b826\r\nContent-Disposition: form-data; name="image"; filename="tmpab.nii.gz"\r\n\r\n\x1f\x8b',
      );
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await using client = createMonaiLabelClient({ baseUrl: url });
    const error = await caught(client.segment('segmentation', 'case01', { timeoutMs: 5000 }));
    // A connection error, not AIAA_TIMEOUT: the cut was noticed at once, not after the 5 s bound.
    expect(isMedaasError(error, 'AIAA_CONNECTION')).toBe(true);
  });

  it('a reply larger than maxResponseBytes is refused as it streams in, not buffered', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="big.nii.gz"' });
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
    };
    await using client = createMonaiLabelClient({ baseUrl: url, maxResponseBytes: 1024 * 1024 });
    const error = await caught(client.downloadImage('big'));
    expect(isMedaasError(error, 'AIAA_RESPONSE_TOO_LARGE')).toBe(true);
  });

  it('a server that never answers: the call rejects with its timeout, CORE_TIMEOUT', async () => {
    fault = () => undefined;
    await using client = createMonaiLabelClient({ baseUrl: url });
    const error = await caught(client.info({ timeoutMs: 200 }));
    expect(isMedaasError(error, 'CORE_TIMEOUT')).toBe(true);
  });
});

describe('faults of a real (testkit) MONAI Label server', () => {
  it('an auth-enabled server without credentials: AIAA_UNAUTHORIZED that says so', async () => {
    await using ml = await startTestServer({ protocol: 'monai-label', auth: { users: { ana: { password: 'correct horse' } } } });
    await using client = createMonaiLabelClient({ baseUrl: ml.url });
    expect(await client.authInfo()).toMatchObject({ enabled: true, clientId: 'monailabel-app' });
    const error = await caught(client.info());
    expect(isMedaasError(error, 'AIAA_UNAUTHORIZED')).toBe(true);
    expect((error as Error).message).toMatch(/HTTP 401: Not authenticated/);
  });

  it('a 429 from a busy trainer: AIAA_BUSY', async () => {
    await using ml = await startTestServer({ protocol: 'monai-label' });
    await using client = createMonaiLabelClient({ baseUrl: ml.url });
    const { volume, truth } = spherePhantom();
    await client.uploadImage(image, { id: 'one' });
    await client.saveLabel('one', await writeNifti({ ...volume, datatype: 'uint8', data: truth }, { gzip: true }));
    await client.startTraining('segmentation');
    const error = await caught(client.startTraining('segmentation'));
    expect(isMedaasError(error, 'AIAA_BUSY')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['status']).toBe(429);
    await client.waitForTraining({ pollIntervalMs: 20 });
  });

  it('a session that expired between two clicks: AIAA_SESSION_EXPIRED, and the common interface re-creates it once', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    await using ml = await startTestServer({ protocol: 'monai-label', clock: () => now });
    await using client = createMonaiLabelClient({ baseUrl: ml.url });
    const session = await client.createSession(image, { expirySec: 60 });
    await client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]] });
    // Past expiry, but before the server's 5-minute sweep: it still answers, as a real server does.
    now += 120_000;
    await client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]] });
    // After the sweep it is gone; MONAI Label's bare 500 is told apart by asking for the session.
    now += 10 * 60_000;
    const error = await caught(client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]] }));
    expect(isMedaasError(error, 'AIAA_SESSION_EXPIRED')).toBe(true);

    await using annotation = await connectAnnotationServer({ baseUrl: ml.url, protocol: 'monai-label' });
    await using opened = await annotation.openImage(image, { storage: 'session', expirySec: 60 });
    await annotation.click('deepgrow_3d', opened, { foreground: [[30, 28, 20]] });
    now += 20 * 60_000;
    const again = await annotation.click('deepgrow_3d', opened, { foreground: [[30, 28, 20]] });
    expect(again.mask.byteLength).toBeGreaterThan(0);
    expect(opened.uploads).toBe(2);
  });
});
