import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The folder of the recorded MONAI Label 0.8.1 replies. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/monai-label-0.8.1/', import.meta.url));

/** The raw bytes of a recorded reply: its status line and headers, then its body, exactly as the server sent them. */
export function recordedReply(name: string): Buffer {
  return Buffer.concat([readFileSync(`${FIXTURES}${name}.headers`), readFileSync(`${FIXTURES}${name}.body`)]);
}

/** The body of a recorded reply. */
export function recordedBody(name: string): Buffer {
  return readFileSync(`${FIXTURES}${name}.body`);
}

/** A request as the replay server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly target: string;
}

/**
 * A TCP server that answers each HTTP request with the recorded reply `pick` names, byte for byte (the
 * recorded headers, status line included, then the body), and closes the connection: what the client
 * parses is what a real MONAI Label server sent.
 */
export async function startReplayServer(
  pick: (request: SeenRequest) => string,
): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let received = Buffer.alloc(0);
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      // Answer once the whole request is in, so that the client is not cut off while still sending.
      if (received.length < end + 4 + length) return;
      const [method = '', target = ''] = head.slice(0, head.indexOf('\r\n')).split(' ');
      const request = { method, target };
      seen.push(request);
      answered = true;
      socket.end(recordedReply(pick(request)));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
