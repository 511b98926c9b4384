import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { isMedaasError } from '@medaas/core';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshSession } from '../src/index.js';
import { sshOptions, startSshd } from './helpers/services.js';

let session: SshSession;
let server: Server;
let port = 0;

beforeAll(async () => {
  session = await connectSsh(sshOptions(startSshd()));
  server = createServer((req, res) => {
    if (req.url === '/die') {
      // Headers and half a body, then the server process "dies" mid-response.
      res.writeHead(200, { 'content-length': '1000000' });
      res.write('x'.repeat(1000));
      setTimeout(() => req.socket.destroy(), 50);
      return;
    }
    const body = JSON.stringify({ path: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await session?.close();
  await new Promise((resolve) => server.close(resolve));
});

/** Whether a local port is in LISTEN state, and on which addresses (from /proc/net/tcp). */
function listeners(localPort: number): string[] {
  const hex = localPort.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
    .map((f) => f[1] ?? '');
}

describe('tunnels', () => {
  it('carries many concurrent HTTP requests, on 127.0.0.1 only, as a base URL and as an undici connector', async () => {
    await using tunnel = await session.forward({ remoteHost: '127.0.0.1', remotePort: port });
    expect(tunnel.url).toBe(`http://127.0.0.1:${tunnel.localPort}`);
    expect(listeners(tunnel.localPort)).toEqual(['0100007F:' + tunnel.localPort.toString(16).toUpperCase().padStart(4, '0')]);
    const plain = new Agent({ connections: 8 });
    const viaUrl = await Promise.all(
      Array.from({ length: 40 }, (_, i) => request(`${tunnel.url}/u${i}`, { dispatcher: plain }).then((r) => r.body.json())),
    );
    expect(viaUrl).toEqual(Array.from({ length: 40 }, (_, i) => ({ path: `/u${i}` })));
    const agent = new Agent({ connect: tunnel.connect, connections: 8 });
    const viaAgent = await Promise.all(
      Array.from({ length: 40 }, (_, i) => request(`http://aiaa.invalid/a${i}`, { dispatcher: agent }).then((r) => r.body.json())),
    );
    expect(viaAgent).toEqual(Array.from({ length: 40 }, (_, i) => ({ path: `/a${i}` })));
    expect(tunnel.activeConnections).toBeGreaterThan(0);
    await agent.close();
    await plain.close();
    for (let i = 0; i < 250 && tunnel.activeConnections > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(tunnel.activeConnections).toBe(0);
  });

  it('fails with SSH_TUNNEL_REFUSED when nothing listens at the far end', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const free = (probe.address() as { port: number }).port;
        probe.close(() => resolve(free));
      });
    });
    const error = await session.forward({ remoteHost: '127.0.0.1', remotePort: closed }).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_TUNNEL_REFUSED')).toBe(true);
    await using lazy = await session.forward({ remoteHost: '127.0.0.1', remotePort: closed }, { probe: false });
    const viaConnector = await new Promise<Error | null>((resolve) => lazy.connect({}, (...args) => resolve(args[0])));
    expect(isMedaasError(viaConnector, 'SSH_TUNNEL_REFUSED')).toBe(true);
    expect(isMedaasError(lazy.lastError, 'SSH_TUNNEL_REFUSED')).toBe(true);
  });

  it('surfaces a target that dies mid-request as an error, and keeps serving afterwards', async () => {
    await using tunnel = await session.forward({ remoteHost: '127.0.0.1', remotePort: port });
    const agent = new Agent({ connect: tunnel.connect });
    const died = await request('http://aiaa.invalid/die', { dispatcher: agent })
      .then((r) => r.body.text())
      .catch((e: unknown) => e);
    expect(died).toBeInstanceOf(Error);
    expect((died as { code?: string }).code).toBe('UND_ERR_SOCKET');
    const after = await request('http://aiaa.invalid/ok', { dispatcher: agent }).then((r) => r.body.json());
    expect(after).toEqual({ path: '/ok' });
    await agent.close();
  });

  it('closes cleanly: idempotent, port released, and closed with its session', async () => {
    const other = await connectSsh(sshOptions(startSshd()));
    const tunnel = await other.forward({ remoteHost: '127.0.0.1', remotePort: port });
    const kept = await other.forward({ remoteHost: '127.0.0.1', remotePort: port });
    const socket = connect(tunnel.localPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    await tunnel.close();
    await tunnel.close();
    expect(listeners(tunnel.localPort)).toEqual([]);
    await new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)));
    await other.close();
    await kept.closedPromise;
    expect(listeners(kept.localPort)).toEqual([]);
  });
});
