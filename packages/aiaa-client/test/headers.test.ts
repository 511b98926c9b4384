import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isMedaasError, type Logger } from '@medaas/core';
import { createAiaaClient } from '../src/index.js';

// A server behind an authenticating proxy: every request must carry the token; the token must never show.
const TOKEN = 'Bearer s3cr3t-7f2c9';
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  if (req.url?.startsWith('/v1/models')) res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  else res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"the model crashed"}');
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('sends the extra headers with every request and never logs them or puts them in errors', async () => {
  const lines: string[] = [];
  const logger: Logger = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(fields ?? {})}`),
    ]),
  ) as unknown as Logger;
  await using client = createAiaaClient({ baseUrl: url, headers: { Authorization: TOKEN, 'X-Site': 'radiology' }, logger });
  expect(await client.listModels()).toEqual([]);
  const error = await client.segmentation('spleen', new Uint8Array([0x1f, 0x8b, 8, 0])).catch((e: unknown) => e);
  expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
  expect(seen.map((h) => [h['authorization'], h['x-site']])).toEqual([
    [TOKEN, 'radiology'],
    [TOKEN, 'radiology'],
  ]);
  // The multipart request kept the client's own content type.
  expect(seen[1]!['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  const shown = JSON.stringify({ message: (error as Error).message, details: (error as { details: unknown }).details, lines });
  expect(lines.length).toBeGreaterThan(0);
  expect(shown).not.toContain('s3cr3t');
});

it('refuses headers it cannot send safely, before any request', async () => {
  const before = seen.length;
  for (const headers of [{ 'content-type': 'text/plain' }, { 'bad name': 'x' }, { authorization: 'Bearer a\r\nX-Injected: 1' }]) {
    expect(() => createAiaaClient({ baseUrl: url, headers })).toThrowError(expect.objectContaining({ code: 'AIAA_INVALID_ARGUMENT' }));
  }
  try {
    createAiaaClient({ baseUrl: url, headers: { authorization: 'Bearer s3cr3t\n' } });
  } catch (error) {
    expect((error as Error).message).not.toContain('s3cr3t');
  }
  expect(seen.length).toBe(before);
});
