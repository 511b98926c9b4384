import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiaaError, createAiaaClient, DEFAULT_MAX_JSON_BYTES, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_VOLUME_BYTES } from '@medaas/aiaa-client';
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

let server: RecordingServer;
let target: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
  target = await startRecordingServer((_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
});
afterAll(async () => {
  await server?.close();
  await target?.close();
});

const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('expected a rejection, the call succeeded'), (e: unknown) => e);
const image = new Uint8Array(4096).fill(7);

describe('reply limits by kind, raised as soon as a limit is crossed', () => {
  it('defaults: JSON 64 MiB, one volume 1 GiB (a multipart reply twice that), any reply 2 GiB', () => {
    expect(DEFAULT_MAX_JSON_BYTES).toBe(64 * 2 ** 20);
    expect(DEFAULT_MAX_VOLUME_BYTES).toBe(2 ** 30);
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(2 * 2 ** 30);
  });

  /** Streams `total` bytes of a JSON string with backpressure and counts what the socket took before it closed. */
  const streamJson = (total: number, declare: boolean, sent: { bytes: number; finished: boolean }) => (_r: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': String(total) } : {}) });
    const chunk = Buffer.alloc(1 << 20, 0x61);
    res.write('"');
    sent.bytes = 1;
    const pump = (): void => {
      while (sent.bytes < total - 1 && !res.destroyed) {
        const size = Math.min(chunk.length, total - 1 - sent.bytes);
        sent.bytes += size;
        if (!res.write(chunk.subarray(0, size))) return void res.once('drain', pump);
      }
      if (!res.destroyed) {
        sent.finished = true;
        res.end('"');
      }
    };
    res.on('close', () => undefined);
    pump();
  };

  it('a JSON reply over 512 MiB declared by Content-Length is refused before its body (it was an untyped ERR_STRING_TOO_LONG)', async () => {
    const sent = { bytes: 0, finished: false };
    server.respond(streamJson(600 * 2 ** 20, true, sent));
    await using client = createAiaaClient({ baseUrl: server.url, retry: false });
    const started = Date.now();
    const error = await caught(client.listModels());
    expect(error).toBeInstanceOf(AiaaError);
    expect(error).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxJsonBytes', limit: DEFAULT_MAX_JSON_BYTES, declared: 600 * 2 ** 20 } });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sent.finished).toBe(false);
  });

  it('a chunked JSON reply is stopped once past maxJsonBytes, not buffered to its end', async () => {
    const sent = { bytes: 0, finished: false };
    server.respond(streamJson(96 * 2 ** 20, false, sent));
    await using client = createAiaaClient({ baseUrl: server.url, retry: false });
    const error = await caught(client.listModels());
    expect(error).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxJsonBytes', limit: DEFAULT_MAX_JSON_BYTES } });
    expect((error as AiaaError).details['received']).toBeLessThan(DEFAULT_MAX_JSON_BYTES + (2 << 20));
    expect(sent.finished).toBe(false);
  });

  /** A multipart reply of a params part and file parts of the given sizes, chunked. */
  const multipart = (files: number[]) => (_r: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=B0und' });
    res.write('--B0und\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n');
    files.forEach((size, i) => {
      res.write(`--B0und\r\nContent-Disposition: form-data; name="f${i}"; filename="m${i}.nii.gz"\r\n\r\n`);
      res.write(Buffer.alloc(size, 1));
      res.write('\r\n');
    });
    res.end('--B0und--\r\n');
  };

  it('a mask part over maxVolumeBytes, and a multipart reply over twice it', async () => {
    await using client = createAiaaClient({ baseUrl: server.url, maxVolumeBytes: 1 << 20 });
    server.respond(multipart([(1 << 20) - 1000]));
    expect((await client.segmentation('m', image)).mask.length).toBe((1 << 20) - 1000);
    server.respond(multipart([2 << 20]));
    expect(await caught(client.segmentation('m', image))).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxVolumeBytes', limit: 1 << 20 } });
    server.respond(multipart([900_000, 900_000, 900_000]));
    expect(await caught(client.segmentation('m', image))).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxVolumeBytes', limit: 2 << 20 } });
  });

  it('MONAI Label: an image download is a volume, a model download only bounded by maxResponseBytes', async () => {
    await using client = createMonaiLabelClient({ baseUrl: server.url, maxVolumeBytes: 1 << 20, maxResponseBytes: 4 << 20 });
    server.respond((_r, res) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(3 << 20) }).end(Buffer.alloc(3 << 20)));
    expect(await caught(client.downloadImage('case1'))).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxVolumeBytes', declared: 3 << 20 } });
    expect((await client.downloadModel('segmentation')).data.length).toBe(3 << 20);
    server.respond((_r, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(5 << 20)));
    expect(await caught(client.downloadModel('segmentation'))).toMatchObject({ code: 'AIAA_RESPONSE_TOO_LARGE', details: { option: 'maxResponseBytes', limit: 4 << 20 } });
  });

  it('limits are validated', () => {
    for (const bad of [{ maxVolumeBytes: 0 }, { maxJsonBytes: -1 }, { maxResponseBytes: Number.NaN }, { maxJsonBytes: 2 ** 30 }]) {
      expect(() => createAiaaClient({ baseUrl: server.url, ...bad })).toThrow(expect.objectContaining({ code: 'AIAA_INVALID_ARGUMENT' }));
    }
  });
});

describe('a redirect is a typed error naming its Location; the image and key never reach the other host', () => {
  it('the Node build (undici)', async () => {
    target.requests.length = 0;
    server.respond((_r, res) => res.writeHead(307, { location: `${target.url}/v1/segmentation?model=m` }).end());
    await using client = createAiaaClient({ baseUrl: server.url, headers: { 'x-api-key': 'redirect-key-1' } });
    const error = await caught(client.segmentation('m', image));
    expect(error).toMatchObject({ code: 'AIAA_HTTP_STATUS', details: { status: 307, location: `${target.url}/v1/segmentation?model=m` } });
    expect((error as AiaaError).message).toContain(`${target.url}/v1/segmentation`);
    expect(target.requests).toEqual([]);
  });
});
