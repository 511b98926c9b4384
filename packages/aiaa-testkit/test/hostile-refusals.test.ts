import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from './helpers/child-server.js';

// In a process of its own: a server in the test's process shares its event loop with the client, which
// hides how a real client sees a socket closed under it.
let server: ChildServer;
beforeAll(async () => {
  server = await startChildServer({ protocol: 'monai-label' });
}, 120_000);
afterAll(async () => server?.close());

/**
 * Sends a request with a `size`-byte url-encoded body in one write over a raw socket, as a client that is
 * still sending when the server answers (and asked for `connection: close`), and reads what comes back.
 */
function postLarge(path: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (reply += c));
    const done = (): void =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0), body: reply.slice(reply.indexOf('\r\n\r\n') + 4) });
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(
      Buffer.concat([
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${size}\r\n\r\n`,
        ),
        Buffer.alloc(size, 0x75),
      ]),
    );
  });
}

it('a body over its limit gets its 413 although the client is still sending (a lingering close, not a reset)', async () => {
  const reply = await postLarge('/auth/token', 64 << 20);
  expect(reply.status).toBe(413);
  expect(reply.body).toMatch(/limit|bytes/i);
  expect((await fetch(`${server.url}/info/`)).status).toBe(200);
});

it('a datastore id that climbs out of the datastore is a 422, not a file outside it', async () => {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array([0x1f, 0x8b, 8, 0])]), 'image.nii.gz');
  const reply = await fetch(`${server.url}/datastore/image?image=${encodeURIComponent('../../../tmp/escaped')}`, {
    method: 'PUT',
    body: form,
  });
  expect(reply.status).toBe(422);
  expect(((await reply.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(['query', 'image']);
});

it('a training request for 10^12 epochs is a 422 naming the limit; an ordinary one is accepted', async () => {
  const huge = await fetch(`${server.url}/train/segmentation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ max_epochs: 1e12 }),
  });
  expect(huge.status).toBe(422);
  expect(JSON.stringify(await huge.json())).toContain('limits.maxEpochs');
  for (const bad of [0, 1.5, '9', -3]) {
    const reply = await fetch(`${server.url}/train/segmentation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_epochs: bad }),
    });
    expect(reply.status).toBe(422);
  }
});
