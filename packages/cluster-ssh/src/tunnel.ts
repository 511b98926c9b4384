import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { openCallScope, type CallOptions } from '@medaas/core';
import { ClusterSshError } from './errors.js';

/**
 * Where a tunnel leads, as seen from the SSH server: a host and port (a compute node name, `localhost`...),
 * or a Unix socket on the SSH server's machine (OpenSSH's `direct-streamlocal@openssh.com`), which only
 * the processes allowed into its folder can open.
 */
export type ForwardTarget = { readonly remoteHost: string; readonly remotePort: number } | { readonly remoteSocket: string };

/** Whether a target is a Unix socket. */
export function isSocketTarget(target: ForwardTarget): target is { readonly remoteSocket: string } {
  return typeof (target as { remoteSocket?: unknown }).remoteSocket === 'string';
}

/** A target in words, for messages: `gpu07:41234` or `unix:/tmp/medaas-server.x/server.sock`. */
export function describeTarget(target: ForwardTarget): string {
  return isSocketTarget(target) ? `unix:${target.remoteSocket}` : `${target.remoteHost}:${target.remotePort}`;
}

/** Options of `session.forward`. */
export interface ForwardOptions extends CallOptions {
  /** The local port; default 0, a free port chosen by the system. Always bound to 127.0.0.1. */
  readonly localPort?: number;
  /** Open one connection to the target before listening, so that a dead target fails here. Default true. */
  readonly probe?: boolean;
}

/**
 * A connector in the shape undici's `connect` option expects. The "socket" it yields is the SSH channel,
 * a Duplex stream with the part of the `net.Socket` surface undici uses.
 */
export type TunnelConnector = (options: unknown, callback: (...args: [null, Socket] | [Error, null]) => void) => void;

/**
 * A local port forward: connections to `127.0.0.1:localPort` are carried over SSH to the target.
 * Use `url` as an HTTP base URL, or `connect` as an undici Agent's connector.
 */
export interface Tunnel extends AsyncDisposable {
  /** Always `127.0.0.1`: a tunnel is never reachable from another machine. */
  readonly localHost: '127.0.0.1';
  readonly localPort: number;
  /** `http://127.0.0.1:<localPort>`. */
  readonly url: string;
  /** The target host (empty for a Unix socket). */
  readonly remoteHost: string;
  /** The target port (0 for a Unix socket). */
  readonly remotePort: number;
  /** The target Unix socket, when the tunnel leads to one. */
  readonly remoteSocket: string | undefined;
  /** Connections open through the tunnel right now. */
  readonly activeConnections: number;
  /** The last failure to reach the target, if any. */
  readonly lastError: Error | undefined;
  /** Settles when the tunnel has closed (by `close()` or because its SSH connection was lost). */
  readonly closedPromise: Promise<void>;
  /** An undici connector: `new Agent({ connect: tunnel.connect })` sends every request through SSH. */
  readonly connect: TunnelConnector;
  /** Stops listening and ends every connection. Safe to call more than once. */
  close(): Promise<void>;
}

/** Opens a tunnel over `open`, which yields one stream to the target per call. */
export async function openTunnel(
  open: (signal: AbortSignal) => Promise<Duplex>,
  target: ForwardTarget,
  options: ForwardOptions,
): Promise<Tunnel> {
  const localPort = options.localPort ?? 0;
  if (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `invalid local port ${localPort}`, { details: { localPort } });
  }
  if (isSocketTarget(target)) {
    if (!target.remoteSocket.startsWith('/') || /[\0\n\r]/.test(target.remoteSocket)) {
      throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'forward needs an absolute remoteSocket path without line breaks', {
        details: { remoteSocket: target.remoteSocket },
      });
    }
  } else if (!Number.isInteger(target.remotePort) || target.remotePort < 1 || target.remotePort > 65535 || !target.remoteHost) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'forward needs remoteHost and a remotePort in 1..65535', { details: { ...target } });
  }
  const scope = openCallScope('ssh forward', options);
  try {
    if (scope.signal.aborted) throw scope.signal.reason;
    if (options.probe !== false) (await open(scope.signal)).destroy();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        server.close();
        reject(scope.signal.reason);
      };
      scope.signal.addEventListener('abort', onAbort, { once: true });
      server.once('error', (error) => {
        scope.signal.removeEventListener('abort', onAbort);
        reject(
          new ClusterSshError('SSH_INVALID_ARGUMENT', `cannot listen on 127.0.0.1:${localPort}: ${error.message}`, {
            details: { localPort },
            cause: error,
          }),
        );
      });
      server.listen({ port: localPort, host: '127.0.0.1', exclusive: true }, () => {
        scope.signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    return new LocalTunnel(server, open, target);
  } finally {
    scope.dispose();
  }
}

class LocalTunnel implements Tunnel {
  readonly localHost = '127.0.0.1' as const;
  readonly localPort: number;
  readonly url: string;
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly remoteSocket: string | undefined;
  readonly closedPromise: Promise<void>;
  readonly connect: TunnelConnector;
  readonly #target: string;
  #lastError: Error | undefined;
  #closing = false;
  readonly #streams = new Set<Duplex>();
  readonly #server: Server;
  readonly #open: (signal: AbortSignal) => Promise<Duplex>;
  readonly #abort = new AbortController();

  constructor(server: Server, open: (signal: AbortSignal) => Promise<Duplex>, target: ForwardTarget) {
    this.#server = server;
    this.#open = open;
    this.remoteHost = isSocketTarget(target) ? '' : target.remoteHost;
    this.remotePort = isSocketTarget(target) ? 0 : target.remotePort;
    this.remoteSocket = isSocketTarget(target) ? target.remoteSocket : undefined;
    this.#target = describeTarget(target);
    const address = server.address();
    this.localPort = typeof address === 'object' && address ? address.port : 0;
    this.url = `http://127.0.0.1:${this.localPort}`;
    this.closedPromise = new Promise<void>((resolve) => server.once('close', () => resolve()));
    server.on('connection', (socket) => this.#accept(socket));
    this.connect = (_options, callback) => {
      this.#stream().then(
        (stream) => callback(null, stream as Socket),
        (error: Error) => callback(error, null),
      );
    };
  }

  get activeConnections(): number {
    return this.#streams.size;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  async #stream(): Promise<Duplex> {
    if (this.#closing) {
      throw new ClusterSshError('SSH_TUNNEL_CLOSED', `the tunnel to ${this.#target} is closed`, {
        details: { target: this.#target },
      });
    }
    try {
      const stream = await this.#open(this.#abort.signal);
      this.#streams.add(stream);
      stream.once('close', () => this.#streams.delete(stream));
      // ssh2's channel destroy() only sends EOF and CLOSE; its 'close' event waits until the unread
      // input has drained. Count it as gone at once and drain it, so that nothing lingers.
      const destroy = stream.destroy.bind(stream);
      stream.destroy = (error?: Error) => {
        this.#streams.delete(stream);
        stream.resume();
        return destroy(error);
      };
      return stream;
    } catch (error) {
      this.#lastError = error as Error;
      // Once the SSH connection is gone no connection can succeed: stop accepting new ones.
      if (error instanceof ClusterSshError && (error.code === 'SSH_CONNECTION_LOST' || error.code === 'SSH_SESSION_CLOSED'))
        void this.close();
      throw error;
    }
  }

  #accept(socket: Socket): void {
    socket.pause();
    socket.on('error', () => undefined);
    this.#stream().then(
      (stream) => {
        if (socket.destroyed) {
          stream.destroy();
          return;
        }
        stream.on('error', () => socket.destroy());
        socket.on('close', () => stream.destroy());
        stream.on('close', () => socket.destroy());
        socket.pipe(stream).pipe(socket);
        socket.resume();
      },
      () => socket.destroy(),
    );
  }

  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#abort.abort(new ClusterSshError('SSH_TUNNEL_CLOSED', 'the tunnel was closed'));
      this.#server.close();
      for (const stream of this.#streams) stream.destroy();
    }
    await this.closedPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
