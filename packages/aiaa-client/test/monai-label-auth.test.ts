import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMedaasError, type LogFields, type Logger } from '@medaas/core';
import { startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonaiLabelClient, jwtExpiryMs } from '../src/monai-label/index.js';

const PASSWORD = 'correct horse battery staple';
let now = Date.parse('2026-12-06T10:00:00Z');
const clock = (): number => now;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    protocol: 'monai-label',
    clock,
    auth: { users: { ana: { password: PASSWORD }, viewer: { password: 'view only', roles: ['user'] } }, tokenTtlSec: 300 },
  });
});
afterAll(async () => {
  await server?.close();
});

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );

/** A logger that keeps every line and field, to check that no secret reaches it. */
function recordingLogger(): Logger & { text(): string } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, fields?: LogFields) =>
    void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error'), text: () => lines.join('\n') };
}

/** A dispatcher that records the path of every request it sends. */
function recordingDispatcher(): { dispatcher: Dispatcher; paths: string[] } {
  const paths: string[] = [];
  const dispatcher = new Agent().compose((dispatch) => (options, handler) => {
    paths.push(String(options.path));
    return dispatch(options, handler);
  });
  return { dispatcher, paths };
}

describe('MONAI Label authentication (password grant, bearer token on every call)', () => {
  it('logs in, sends the token with every call, and renews it before it expires', async () => {
    const logger = recordingLogger();
    const { dispatcher, paths } = recordingDispatcher();
    await using client = createMonaiLabelClient({
      baseUrl: server.url,
      auth: { username: 'ana', password: PASSWORD },
      clock,
      logger,
      dispatcher,
    });
    const tokens = (): number => paths.filter((p) => p === '/auth/token').length;
    expect(Object.keys((await client.info()).models)).toContain('segmentation');
    expect(await client.currentUser()).toMatchObject({ username: 'ana', roles: ['user', 'annotator', 'reviewer', 'admin'] });
    await client.datastoreStats();
    expect(tokens()).toBe(1);
    // 280 s later the 300 s token is within the renewal margin: the next call fetches a new one first.
    now += 280_000;
    await client.datastoreStats();
    expect(tokens()).toBe(2);
    await client.datastoreStats();
    expect(tokens()).toBe(2);
    expect(paths.filter((p) => p !== '/auth/token')).toEqual([
      '/info/',
      '/auth/token/valid',
      '/datastore/?output=stats',
      '/datastore/?output=stats',
      '/datastore/?output=stats',
    ]);
    await dispatcher.close();
    expect(logger.text()).not.toContain(PASSWORD);
    expect(logger.text()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('renews once after a 401 (the server judged the token expired) and repeats the call', async () => {
    const serverOnly = { at: Date.parse('2026-12-06T12:00:00Z') };
    await using skewed = await startTestServer({
      protocol: 'monai-label',
      clock: () => serverOnly.at,
      auth: { users: { ana: { password: PASSWORD } }, tokenTtlSec: 300 },
    });
    // The client's clock lags: it believes its token is fresh when the server no longer does.
    await using client = createMonaiLabelClient({
      baseUrl: skewed.url,
      auth: { username: 'ana', password: PASSWORD },
      clock: () => Date.parse('2026-12-06T11:00:00Z'),
    });
    await client.info();
    serverOnly.at += 600_000;
    expect((await client.datastoreStats()).total).toBe(0);
  });

  it('a fixed token the server no longer accepts is AIAA_UNAUTHORIZED (it cannot be renewed here)', async () => {
    await using login = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'ana', password: PASSWORD }, clock });
    await login.info();
    const reply = await fetch(`${server.url}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'ana', password: PASSWORD }),
    });
    const { access_token: token } = (await reply.json()) as { access_token: string };
    expect(jwtExpiryMs(token)).toBe(Math.floor(now / 1000) * 1000 + 300_000);
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { token } });
    await client.info();
    now += 400_000;
    const error = await caught(client.info());
    expect(isMedaasError(error, 'AIAA_UNAUTHORIZED')).toBe(true);
    expect((error as Error).message).not.toContain(token);
  });

  it('a wrong password is AIAA_AUTH_FAILED (the server answers it with a bare 500), naming the user but not the password', async () => {
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'ana', password: 'wrong' } });
    const error = await caught(client.info());
    expect(isMedaasError(error, 'AIAA_AUTH_FAILED')).toBe(true);
    expect((error as Error).message).toBe('the server refused the credentials of user "ana" (HTTP 500)');
  });

  it("a role the user lacks is AIAA_FORBIDDEN with the server's reason", async () => {
    await using client = createMonaiLabelClient({ baseUrl: server.url, auth: { username: 'viewer', password: 'view only' }, clock });
    expect((await client.datastoreStats()).total).toBe(0);
    const error = await caught(client.startTraining('segmentation'));
    expect(isMedaasError(error, 'AIAA_FORBIDDEN')).toBe(true);
    expect((error as Error).message).toMatch(/Role "admin" is required to perform this action/);
  });

  it('getToken: the caller supplies tokens (its own login), asked again with renew after a 401', async () => {
    const asked: boolean[] = [];
    let stale = true;
    await using client = createMonaiLabelClient({
      baseUrl: server.url,
      auth: {
        getToken: async ({ renew }) => {
          asked.push(renew);
          if (stale) {
            stale = false;
            return 'not.a-valid.token';
          }
          const reply = await fetch(`${server.url}/auth/token`, {
            method: 'POST',
            body: new URLSearchParams({ username: 'ana', password: PASSWORD }),
          });
          return ((await reply.json()) as { access_token: string }).access_token;
        },
      },
      clock,
    });
    await client.info();
    expect(asked).toEqual([false, true]);
  });

  it('a server that echoes the token into its error message: the client puts [redacted] in its place', async () => {
    const echo = createServer((req, res) => {
      if (req.url?.startsWith('/auth/token')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'secret-token-value-1234', token_type: 'bearer' }));
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`failed for ${req.headers.authorization} (password ${PASSWORD})`);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      await using client = createMonaiLabelClient({
        baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
        auth: { username: 'ana', password: PASSWORD },
        retry: false,
      });
      const error = await caught(client.datastoreStats());
      expect(isMedaasError(error, 'AIAA_HTTP_STATUS')).toBe(true);
      expect((error as Error).message).toBe(
        'datastoreStats: GET /datastore/ failed with HTTP 500: failed for Bearer [redacted] (password [redacted])',
      );
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });
});
