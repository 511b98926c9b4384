import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link RecordingServer} received, body and all. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** How the server answers: it sees the request with its whole body. */
export type Responder = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => void;

/** A real HTTP server on a loopback port that keeps every request it receives. */
export interface RecordingServer extends AsyncDisposable {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces how the server answers. */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

/** Starts a {@link RecordingServer} on 127.0.0.1 and a free port. */
export async function startRecordingServer(responder: Responder = (_r, res) => res.end()): Promise<RecordingServer> {
  let current = responder;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      current(recorded, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    respond(next) {
      current = next;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Everything an error shows anyone who logs or prints it: message, stack, details, and its causes, recursively. */
export function everythingIn(error: unknown, depth = 0): string {
  if (depth > 5 || error === null || error === undefined) return '';
  if (!(error instanceof Error)) return typeof error === 'string' ? error : (JSON.stringify(error) ?? '');
  const details = (error as { details?: unknown }).details;
  return [
    error.message,
    error.stack ?? '',
    JSON.stringify(details ?? {}),
    JSON.stringify(error),
    everythingIn(error.cause, depth + 1),
  ].join('\n');
}
