import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import {
  AiaaError,
  createAiaaClient,
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_VOLUME_BYTES,
} from '@medaas/aiaa-client';
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { annotationServerFromMonaiLabel } from '@medaas/aiaa-client/interactive';
import { everythingIn, startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

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

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (e: unknown) => e,
  );
const image = new Uint8Array(4096).fill(7);

/** The forms a secret takes when a server quotes it back: raw, JSON-escaped, URL- and form-encoded. */
const formsOf = (secret: string): string[] => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  encodeURIComponent(secret),
  new URLSearchParams({ s: secret }).toString().slice(2),
];

function expectNoSecret(error: unknown, secrets: readonly string[]): void {
  expect(error).toBeInstanceOf(AiaaError);
  const shown = everythingIn(error);
  for (const secret of secrets)
    for (const form of formsOf(secret)) expect(shown, `the error shows ${JSON.stringify(form)}`).not.toContain(form);
}

describe('secrets a server echoes never reach an error message, details, stack or cause', () => {
  const TOKEN = 'eyJhbGciOi.s3cr3t/T0k3n+"q"';
  const API_KEY = 'k3y-7f9a&q=1 z';
  const headers = { authorization: `Bearer ${TOKEN}`, 'x-api-key': API_KEY };

  it('the bare bearer token and the api key quoted into a 500 (the scrub knew only the whole header values)', async () => {
    server.respond((r, res) =>
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`token ${String(r.headers.authorization).slice(7)} and key ${String(r.headers['x-api-key'])} rejected`),
    );
    await using client = createAiaaClient({ baseUrl: server.url, headers, retry: false });
    const error = await caught(client.segmentation('m', image));
    expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
    expectNoSecret(error, [TOKEN, API_KEY]);
    expect((error as AiaaError).message).toContain('[redacted]');
  });

  it('JSON-escaped in a field the client does not read, and cut at the message limit', async () => {
    server.respond((r, res) =>
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error_description: `bad ${String(r.headers.authorization)}` })),
    );
    await using client = createAiaaClient({ baseUrl: server.url, headers });
    expectNoSecret(await caught(client.listModels()), [TOKEN]);
    // The token straddles the 500-character cut of the message: not even its start may show.
    server.respond((r, res) =>
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${'x'.repeat(495)}${String(r.headers['x-api-key'])}`),
    );
    const cut = await caught(client.listModels({ timeoutMs: 5000 }));
    expect(everythingIn(cut)).not.toContain(API_KEY.slice(0, 5));
  });

  it('in a successful reply that is not valid JSON, and in its content type', async () => {
    server.respond((r, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"echo": ${String(r.headers['x-api-key'])}`),
    );
    await using client = createAiaaClient({ baseUrl: server.url, headers });
    const invalid = await caught(client.listModels());
    expect(isMedaasError(invalid, 'AIAA_INVALID_RESPONSE')).toBe(true);
    expectNoSecret(invalid, [API_KEY]);
    server.respond((r, res) =>
      res.writeHead(200, { 'content-type': `text/x-${encodeURIComponent(String(r.headers['x-api-key']))}` }).end('{}'),
    );
    expectNoSecret(await caught(client.listModels()), [API_KEY]);
  });

  it('a MONAI Label password, form-encoded in the token request, echoed into a 401', async () => {
    const password = 'p@ss w/rd&"1';
    server.respond((r, res) =>
      res.writeHead(r.url === '/auth/token' ? 401 : 200, { 'content-type': 'text/plain' }).end(`you sent ${r.body.toString()}`),
    );
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'ana', password } });
    const error = await caught(client.info());
    expect(isMedaasError(error, 'AIAA_AUTH_FAILED')).toBe(true);
    expectNoSecret(error, [password]);
  });

  it('a renewed token, and the one it replaced, echoed after the renewal', async () => {
    const tokens = ['first-token-Aq7', 'second-token-Zx9'];
    const seen: string[] = [];
    server.respond((r, res) => {
      seen.push(String(r.headers.authorization));
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`every token you sent: ${seen.join(', ')}`);
    });
    let asked = 0;
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { getToken: async () => tokens[Math.min(asked++, 1)]! } });
    const error = await caught(client.datastoreStats());
    expect(isMedaasError(error, 'AIAA_UNAUTHORIZED')).toBe(true);
    expect(seen).toEqual(tokens.map((t) => `Bearer ${t}`));
    expectNoSecret(error, tokens);
  });
});

describe('secrets echoed into data the interactive layer quotes (label names) are scrubbed there too', () => {
  it('a DeepEdit model whose label names are the bearer token', async () => {
    const token = 'label-echo-T0ken-91';
    server.respond((r, res) => {
      const echoed = String(r.headers.authorization).slice(7);
      if (r.url?.startsWith('/info/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            name: 'app',
            labels: [echoed],
            models: { deepedit: { type: 'deepedit', labels: { [echoed]: 1 }, dimension: 3 } },
          }),
        );
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ session_id: 's1', session_info: {} }));
    });
    await using annotation = annotationServerFromMonaiLabel(createMonaiLabelClient({ baseUrl: server.url, auth: { token } }), {
      ownsClient: true,
    });
    const opened = await annotation.openImage(image, { storage: 'session' });
    const error = await caught(annotation.click('deepedit', opened, { foreground: [[1, 2, 3]], label: 'liver' }));
    expect(isMedaasError(error, 'AIAA_INVALID_ARGUMENT')).toBe(true);
    expectNoSecret(error, [token]);
  });
});

describe('reply limits by kind, raised as soon as a limit is crossed', () => {
  it('defaults: JSON 64 MiB, one volume 1 GiB (a multipart reply twice that), any reply 2 GiB', () => {
    expect(DEFAULT_MAX_JSON_BYTES).toBe(64 * 2 ** 20);
    expect(DEFAULT_MAX_VOLUME_BYTES).toBe(2 ** 30);
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(2 * 2 ** 30);
  });

  /** Streams `total` bytes of a JSON string with backpressure and counts what the socket took before it closed. */
  const streamJson =
    (total: number, declare: boolean, sent: { bytes: number; finished: boolean }) => (_r: unknown, res: ServerResponse) => {
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
    const error = await caught(client.listModels());
    expect(error).toBeInstanceOf(AiaaError);
    expect(error).toMatchObject({
      code: 'AIAA_RESPONSE_TOO_LARGE',
      details: { option: 'maxJsonBytes', limit: DEFAULT_MAX_JSON_BYTES, declared: 600 * 2 ** 20 },
    });
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
    expect(await caught(client.segmentation('m', image))).toMatchObject({
      code: 'AIAA_RESPONSE_TOO_LARGE',
      details: { option: 'maxVolumeBytes', limit: 1 << 20 },
    });
    server.respond(multipart([900_000, 900_000, 900_000]));
    expect(await caught(client.segmentation('m', image))).toMatchObject({
      code: 'AIAA_RESPONSE_TOO_LARGE',
      details: { option: 'maxVolumeBytes', limit: 2 << 20 },
    });
  });

  it('MONAI Label: an image download is a volume, a model download only bounded by maxResponseBytes', async () => {
    await using client = createMonaiLabelClient({ baseUrl: server.url, maxVolumeBytes: 1 << 20, maxResponseBytes: 4 << 20 });
    server.respond((_r, res) =>
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(3 << 20) }).end(Buffer.alloc(3 << 20)),
    );
    expect(await caught(client.downloadImage('case1'))).toMatchObject({
      code: 'AIAA_RESPONSE_TOO_LARGE',
      details: { option: 'maxVolumeBytes', declared: 3 << 20 },
    });
    expect((await client.downloadModel('segmentation')).data.length).toBe(3 << 20);
    server.respond((_r, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(5 << 20)));
    expect(await caught(client.downloadModel('segmentation'))).toMatchObject({
      code: 'AIAA_RESPONSE_TOO_LARGE',
      details: { option: 'maxResponseBytes', limit: 4 << 20 },
    });
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

describe('the scrubber, as a property', () => {
  it('no form of any secret survives, wherever it sits in the text and however the text is cut', async () => {
    const { scrubberFor, secretForms } = await import('../src/connection/secrets.js');
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 40 }),
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 60 }),
        fc.nat(4),
        fc.nat(100),
        (secret, before, after, form, cut) => {
          const forms = secretForms(secret);
          const text = `${before}${forms[form % forms.length]}${after}`;
          const scrubbed = scrubberFor([secret]).text(text);
          for (const f of forms) expect(scrubbed).not.toContain(f);
          // A text cut inside the secret loses the secret's start too.
          const partial = `${before}${secret.slice(0, Math.max(4, secret.length - 1 - (cut % secret.length)))}`;
          if (partial.endsWith(secret)) return;
          expect(
            scrubberFor([secret])
              .text(partial, true)
              .endsWith(secret.slice(0, Math.max(4, secret.length - 1 - (cut % secret.length)))),
          ).toBe(false);
        },
      ),
      { numRuns: 500, seed: 5 },
    );
  });
});
