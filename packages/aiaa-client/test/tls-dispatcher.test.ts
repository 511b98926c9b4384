import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { isMedaasError } from '@medaas/core';
import { createAiaaClient } from '@medaas/aiaa-client';
import { startTestServer } from '@medaas/aiaa-testkit';

describe('https', () => {
  let dir: string;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    // A throwaway self-signed certificate for 127.0.0.1, made by the real openssl.
    dir = await mkdtemp(join(tmpdir(), 'aiaa-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    key = await readFile(join(dir, 'key.pem'), 'utf8');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies certificates by default, trusts a given CA, and skips verification only when told to', async () => {
    await using server = await startTestServer({ tls: { key, cert } });
    expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
    await using strict = createAiaaClient({ baseUrl: server.url, retry: false });
    const error = await strict.listModels().catch((e: unknown) => e);
    expect(isMedaasError(error, 'AIAA_CONNECTION')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['reason']).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await using trusting = createAiaaClient({ baseUrl: server.url, tls: { ca: cert } });
    expect(await trusting.listModels()).toHaveLength(5);
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    await using insecure = createAiaaClient({ baseUrl: server.url, tls: { rejectUnauthorized: false }, logger: log });
    expect(await insecure.listModels()).toHaveLength(5);
    expect(warnings).toContain('aiaa: TLS certificate verification is off');
  });
});

describe('an injected dispatcher', () => {
  let relay: Server;
  let relayed = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // A TCP relay on loopback stands in for `ssh -L`: the client reaches the server only through it.
    const target = await startTestServer();
    const targetPort = target.port;
    relay = createServer((inbound) => {
      const outbound = connect(targetPort, '127.0.0.1');
      sockets.add(inbound).add(outbound);
      inbound.on('data', (chunk: Buffer) => (relayed += chunk.length));
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    relay.on('close', () => void target.close());
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  it('carries every call, reusing connections', async () => {
    const port = (relay.address() as AddressInfo).port;
    let connections = 0;
    const dispatcher = new Agent({
      connect: (_options, callback) => {
        connections += 1;
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => callback(null, socket));
        socket.once('error', (error) => callback(error, null));
      },
    });
    // The URL names a port nobody listens on: only the dispatcher knows the way.
    await using client = createAiaaClient({ baseUrl: 'http://127.0.0.1:9/', dispatcher });
    for (let i = 0; i < 6; i += 1) expect(await client.listModels()).toHaveLength(5);
    // Sequential calls reuse connections (undici may open a second while the first is finishing its reply).
    expect(connections).toBeLessThanOrEqual(2);
    expect(relayed).toBeGreaterThan(0);
    await client.close();
    // The client leaves an injected dispatcher open for its owner.
    expect(dispatcher.closed).toBe(false);
    await dispatcher.close();
  });
});
