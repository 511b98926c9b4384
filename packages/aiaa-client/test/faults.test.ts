import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isMedaasError } from '@medaas/core';
import { createAiaaClient, type AiaaClient } from '@medaas/aiaa-client';

// In-process servers here inject faults a real AIAA server cannot be made to produce on demand.
type Fault = (req: IncomingMessage, res: ServerResponse) => void;
let fault: Fault = (_req, res) => res.end();
let server: Server;
let url: string;
let client: AiaaClient;
let hits = 0;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = createServer((req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => fault(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createAiaaClient({ baseUrl: url, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 } });
});

afterEach(() => {
  hits = 0;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const image = new Uint8Array(4096).fill(7);
const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );

describe('a server that misbehaves gives a typed error, never a hang', () => {
  it('closes the connection in the middle of a multipart reply: AIAA_CONNECTION', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': 5000 });
      res.write(
        '--XyZ\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; name="f"; filename="m.nii"\r\n\r\n0123',
      );
      setTimeout(() => res.socket?.destroy(), 10);
    };
    const error = await caught(client.segmentation('m', image));
    expect(isMedaasError(error, 'AIAA_CONNECTION')).toBe(true);
    expect((error as Error).message).toMatch(/closed before the reply was complete/);
  });

  it('sends a complete body whose multipart has no closing delimiter: AIAA_INVALID_RESPONSE (truncated)', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary="q b"' });
      res.end('--q b\r\nContent-Disposition: form-data; name="f"; filename="m.nii"\r\n\r\nabc');
    };
    const error = await caught(client.segmentation('m', image));
    expect(isMedaasError(error, 'AIAA_INVALID_RESPONSE')).toBe(true);
    expect((error as Error).message).toMatch(/truncated/);
  });

  it('sends garbage labelled multipart, or multipart without a boundary: AIAA_INVALID_RESPONSE', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=abc' });
      res.end('<html>not multipart at all</html>');
    };
    expect(isMedaasError(await caught(client.deepgrow('m', image, { foreground: [[1, 1, 1]] })), 'AIAA_INVALID_RESPONSE')).toBe(true);
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data' });
      res.end('--abc--');
    };
    expect(isMedaasError(await caught(client.segmentation('m', image)), 'AIAA_INVALID_RESPONSE')).toBe(true);
  });

  it('answers with an unexpected content type: AIAA_INVALID_RESPONSE naming it', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end('PNG');
    };
    const error = await caught(client.segmentation('m', image));
    expect(isMedaasError(error, 'AIAA_INVALID_RESPONSE')).toBe(true);
    expect((error as Error).message).toContain('image/png');
    expect(isMedaasError(await caught(client.listModels()), 'AIAA_INVALID_RESPONSE')).toBe(true);
  });

  it('answers 500 with an HTML page: AIAA_HTTP_STATUS with the page text, tags stripped', async () => {
    fault = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(
        '<!DOCTYPE html><html><head><title>Oops</title><style>p{}</style></head><body><h1>Internal Server Error</h1><p>CUDA out of memory</p></body></html>',
      );
    };
    const error = await caught(client.inference('m', image));
    expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({
      status: 500,
      serverMessage: 'Oops Internal Server Error CUDA out of memory',
    });
  });

  it('answers 440 on a model call: AIAA_SESSION_EXPIRED', async () => {
    fault = (_req, res) => {
      res.writeHead(440, { 'content-type': 'application/json' });
      res.end('{"error": "session expired"}');
    };
    const error = await caught(client.segmentation('m', client.attachSession('abc')));
    expect(isMedaasError(error, 'AIAA_SESSION_EXPIRED')).toBe(true);
    expect((error as Error).message).toContain('session expired');
  });

  it('replies 200 multipart without a file part: AIAA_RESULT_NOT_FOUND; JSON instead of a mask: the same', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=b' });
      res.end('--b\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n--b--\r\n');
    };
    expect(isMedaasError(await caught(client.segmentation('m', image)), 'AIAA_RESULT_NOT_FOUND')).toBe(true);
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"label": 1}');
    };
    expect(
      isMedaasError(
        await caught(
          client.dextr3d('m', image, {
            points: [
              [1, 1, 1],
              [2, 2, 2],
              [3, 3, 3],
              [1, 2, 3],
              [3, 2, 1],
              [2, 1, 3],
            ],
          }),
        ),
        'AIAA_RESULT_NOT_FOUND',
      ),
    ).toBe(true);
  });

  it('replies with invalid JSON or an invalid params part: AIAA_INVALID_RESPONSE', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"name": ');
    };
    expect(isMedaasError(await caught(client.listModels()), 'AIAA_INVALID_RESPONSE')).toBe(true);
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=b' });
      res.end(
        '--b\r\nContent-Disposition: form-data; name="params"\r\n\r\n{oops\r\n--b\r\nContent-Disposition: form-data; name="x"; filename="m"\r\n\r\nM\r\n--b--\r\n',
      );
    };
    expect(isMedaasError(await caught(client.segmentation('m', image)), 'AIAA_INVALID_RESPONSE')).toBe(true);
  });

  it('accepts the legacy v1 reply with a `points` field instead of `params`, and a LF-only multipart', async () => {
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=----------lImIt_of_THE_fIle_eW_$' });
      res.end(
        '------------lImIt_of_THE_fIle_eW_$\nContent-Disposition: form-data; name="points"\n\n[[1, 2, 3], [4, 5, 6]]\n' +
          '------------lImIt_of_THE_fIle_eW_$\nContent-Disposition: form-data; name="image"; filename="/tmp/tmpx/mask.nii.gz"\n\nMASK\n' +
          '------------lImIt_of_THE_fIle_eW_$--\n',
      );
    };
    const result = await client.segmentation('m', image);
    expect(result.points).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(new TextDecoder().decode(result.mask)).toBe('MASK');
    expect(result.fileName).toBe('/tmp/tmpx/mask.nii.gz');
  });

  it('sends a reply larger than maxResponseBytes: AIAA_RESPONSE_TOO_LARGE, with or without Content-Length', async () => {
    const small = createAiaaClient({ baseUrl: url, maxResponseBytes: 1000 });
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(new Array(500).fill('x')));
    };
    expect(isMedaasError(await caught(small.listModels()), 'AIAA_RESPONSE_TOO_LARGE')).toBe(true);
    fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 10; i += 1) res.write(JSON.stringify(new Array(50).fill('x')));
      res.end();
    };
    expect(isMedaasError(await caught(small.listModels()), 'AIAA_RESPONSE_TOO_LARGE')).toBe(true);
    await small.close();
  });

  it('retries idempotent calls on 503 and never retries a model call', async () => {
    let calls = 0;
    fault = (_req, res) => {
      calls += 1;
      if (calls < 3) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"name": "a", "type": "segmentation"}]');
    };
    expect((await client.listModels()).map((m) => m.name)).toEqual(['a']);
    expect(calls).toBe(3);
    fault = (_req, res) => {
      res.writeHead(503);
      res.end('busy');
    };
    hits = 0;
    expect(isMedaasError(await caught(client.segmentation('m', image)), 'AIAA_HTTP_STATUS')).toBe(true);
    expect(hits).toBe(1);
  });
});

describe('servers that say nothing', () => {
  let silent: NetServer;
  let silentUrl: string;
  let mode: 'close' | 'hang' = 'close';
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      if (mode === 'close') socket.destroy();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('closes every connection at once: AIAA_CONNECTION (after retries for idempotent calls)', async () => {
    mode = 'close';
    await using quiet = createAiaaClient({ baseUrl: silentUrl, retry: { retries: 1, minDelayMs: 1 } });
    expect(isMedaasError(await caught(quiet.listModels()), 'AIAA_CONNECTION')).toBe(true);
    expect(isMedaasError(await caught(quiet.segmentation('m', image)), 'AIAA_CONNECTION')).toBe(true);
  });

  it('accepts and never answers: the call timeout ends it with CORE_TIMEOUT', async () => {
    mode = 'hang';
    await using quiet = createAiaaClient({ baseUrl: silentUrl });
    const error = await caught(quiet.segmentation('m', image, { timeoutMs: 200 }));
    expect(isMedaasError(error, 'CORE_TIMEOUT')).toBe(true);
  });

  it('nobody listens: AIAA_CONNECTION', async () => {
    const port = (silent.address() as AddressInfo).port;
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(freePort).not.toBe(port);
    await using nobody = createAiaaClient({ baseUrl: `http://127.0.0.1:${freePort}`, retry: false });
    const error = await caught(nobody.listModels());
    expect(isMedaasError(error, 'AIAA_CONNECTION')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['reason']).toBe('ECONNREFUSED');
  });
});
