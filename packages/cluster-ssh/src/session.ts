import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as ClientType, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import { openCallScope, redactingLogger, type CallOptions, type Logger } from '@medaas/core';
import { prepareAuth, type PreparedAuth, type SshAuth } from './auth.js';
import { ClusterSshError } from './errors.js';
import { runExec, type ExecOptions, type ExecResult } from './exec.js';
import { verifyHostKey, type HostKeyPolicy, type VerifiedHostKey } from './host-key.js';
import { toCommandLine, type CommandInput } from './shell.js';
import { describeTarget, isSocketTarget, openTunnel, type ForwardOptions, type ForwardTarget, type Tunnel } from './tunnel.js';
import { uploadPath, type UploadOptions, type UploadResult } from './upload.js';

const { Client } = ssh2;

/** Options of {@link connectSsh}. */
export interface ConnectSshOptions extends CallOptions {
  /** The server's name or address, as it appears in known_hosts. */
  readonly host: string;
  /** Default 22. */
  readonly port?: number;
  readonly username: string;
  /** One method or several, tried in order (a list also serves two-factor logins such as key + code). */
  readonly auth: SshAuth | readonly SshAuth[];
  /** How the host key is verified. Required: there is no unverified mode. */
  readonly hostKey: HostKeyPolicy;
  /** A jump host: an open session (borrowed) or options for one (opened and closed with this session); nests to any depth. */
  readonly via?: SshSession | ConnectSshOptions;
  /** Send a keepalive after this much silence. Default 15 000; 0 turns keepalives off. */
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost. Default 3. */
  readonly keepaliveCountMax?: number;
  /** Negotiate zlib compression of the whole connection (like `ssh -C`). Default false. */
  readonly compress?: boolean;
  /** Receives connection events; secrets are redacted. */
  readonly logger?: Logger;
}

/** Where {@link SshSession.connectThrough} goes. */
export interface ConnectThroughTarget {
  /** The host's name as this session's server resolves it (a node name). */
  readonly host: string;
  /** Default 22. */
  readonly port?: number;
  /** Default: the policy this session was opened with (a known_hosts file that lists the nodes, say). */
  readonly hostKey?: HostKeyPolicy;
}

/**
 * An authenticated SSH connection. Close it with `close()` or `await using`; closing also closes its
 * tunnels and, when `via` was given as options, the jump hosts it opened.
 */
export interface SshSession extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The verified host key of the server. */
  readonly hostKey: VerifiedHostKey;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /** Whether the connection is up (not closed, not lost). */
  readonly connected: boolean;
  /** Runs a command (argv array or sh`...`) and returns its exit code and output. */
  exec(command: CommandInput, options?: ExecOptions): Promise<ExecResult>;
  /** Uploads a file or folder over SFTP, verified and renamed into place atomically. */
  upload(localPath: string, remotePath: string, options?: UploadOptions): Promise<UploadResult>;
  /** Opens a local port forward bound to 127.0.0.1. */
  forward(target: ForwardTarget, options?: ForwardOptions): Promise<Tunnel>;
  /** Opens one stream to a host:port (`direct-tcpip`) or a Unix socket (`direct-streamlocal`) as seen from the server. */
  openStream(target: ForwardTarget, options?: CallOptions): Promise<Duplex>;
  /**
   * Opens a session on another host through this one (this host as the jump host), as the same user with
   * the same authentication: how a compute node is reached from the login node on clusters that let a
   * job's owner log in to its node (`pam_slurm_adopt`). Its host key is verified with `hostKey`, or with
   * this session's policy.
   */
  connectThrough(target: ConnectThroughTarget, options?: CallOptions): Promise<SshSession>;
  /** Re-establishes a lost connection with the same options (host key verified again). */
  reconnect(options?: CallOptions): Promise<void>;
  /** Closes tunnels, channels and the connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens an SSH session. The host key is always verified; every auth method of ssh2 is supported,
 * including keyboard-interactive prompts and jump hosts.
 *
 * @throws {ClusterSshError} `SSH_CONNECT_FAILED` (unreachable, refused, handshake), `SSH_HOST_KEY_UNKNOWN`,
 *   `SSH_HOST_KEY_MISMATCH`, `SSH_HOST_KEY_REVOKED`, `SSH_AUTH_FAILED`, `SSH_INVALID_ARGUMENT`; a timeout
 *   or abort rejects with the signal's reason.
 * @example
 * ```ts
 * await using session = await connectSsh({
 *   host: 'login.hpc.example', username: 'ana',
 *   auth: { type: 'key', privateKeyFile: '/home/ana/.ssh/id_ed25519' },
 *   hostKey: { knownHostsFile: '/home/ana/.ssh/known_hosts' },
 * });
 * const { stdout } = await session.exec(['squeue', '--me']);
 * ```
 */
export async function connectSsh(options: ConnectSshOptions): Promise<SshSession> {
  validate(options);
  const auth = prepareAuth(options.username, options.auth);
  const scope = openCallScope('connectSsh', { signal: options.signal, timeoutMs: options.timeoutMs ?? 60_000 });
  let via: SshSession | undefined;
  let ownsVia = false;
  try {
    if (options.via !== undefined) {
      ownsVia = !isSession(options.via);
      via = isSession(options.via) ? options.via : await connectSsh({ ...options.via, signal: scope.signal });
    }
    const { client, hostKey } = await handshake(options, auth, via, scope.signal);
    return new Session(options, auth, client, hostKey, via, ownsVia);
  } catch (error) {
    if (ownsVia) await via?.close();
    throw error;
  } finally {
    scope.dispose();
  }
}

function isSession(value: SshSession | ConnectSshOptions): value is SshSession {
  return typeof (value as SshSession).exec === 'function';
}

function validate(options: ConnectSshOptions): void {
  const port = options.port ?? 22;
  if (typeof options.host !== 'string' || options.host === '' || /[\s\0]/.test(options.host)) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'host must be a non-empty name without spaces', { details: { host: options.host } });
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `invalid port ${port}`, { details: { port } });
  if (typeof options.username !== 'string' || options.username === '')
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'username is required');
  if (typeof options.hostKey !== 'object' || options.hostKey === null) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'hostKey is required: a fingerprint, knownHostsFile or knownHosts');
  }
}

interface Handshake {
  readonly client: ClientType;
  readonly hostKey: VerifiedHostKey;
}

async function handshake(
  options: ConnectSshOptions,
  auth: PreparedAuth,
  via: SshSession | undefined,
  signal: AbortSignal,
): Promise<Handshake> {
  const host = options.host;
  const port = options.port ?? 22;
  const log = redactingLogger(options.logger);
  const context = { host, port, username: options.username, via: via ? `${via.host}:${via.port}` : undefined };
  if (signal.aborted) throw signal.reason;
  const sock = via ? await via.openStream({ remoteHost: host, remotePort: port }, { signal }) : undefined;
  const client = new Client();
  let hostKey: VerifiedHostKey | undefined;
  let hostKeyError: unknown;
  log.debug('ssh connecting', { ...context, methods: auth.methods });
  const config: ConnectConfig = {
    host,
    port,
    username: options.username,
    authHandler: auth.handler(),
    // The caller's timeoutMs bounds the handshake; a fixed ready timeout would cut off a person typing a code.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      verifyHostKey(options.hostKey, host, port, key).then(
        (verified) => {
          hostKey = verified;
          verify(true);
        },
        (error: unknown) => {
          hostKeyError = error;
          verify(false);
        },
      );
    },
    ...(options.compress === true ? { algorithms: { compress: ['zlib@openssh.com', 'zlib', 'none'] } } : {}),
    ...(sock ? { sock } : {}),
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        client.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (error?: unknown): void => {
        signal.removeEventListener('abort', onAbort);
        client.removeListener('ready', onReady);
        client.removeListener('error', onError);
        client.removeListener('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = (): void => settle();
      const onError = (error: Error & { level?: string; code?: string }): void => {
        client.destroy();
        settle(classify(error, hostKeyError, auth.promptError(), context));
      };
      const onClose = (): void =>
        settle(
          new ClusterSshError('SSH_CONNECT_FAILED', `the connection to ${host}:${port} closed during the handshake`, { details: context }),
        );
      client.on('ready', onReady).on('error', onError).on('close', onClose);
      client.connect(config);
    });
  } catch (error) {
    sock?.destroy();
    if (signal.aborted) throw signal.reason;
    throw error;
  }
  log.info('ssh connected', { ...context, fingerprint: hostKey?.fingerprint });
  if (!hostKey) throw new ClusterSshError('SSH_CONNECT_FAILED', 'the server skipped host key verification', { details: context });
  return { client, hostKey };
}

function classify(
  error: Error & { level?: string; code?: string },
  hostKeyError: unknown,
  promptError: unknown,
  context: Record<string, unknown>,
): unknown {
  if (hostKeyError !== undefined) return hostKeyError;
  if (error.level === 'client-authentication') {
    return new ClusterSshError(
      'SSH_AUTH_FAILED',
      `${String(context['username'])}@${String(context['host'])}:${String(context['port'])} refused every authentication method`,
      {
        details: context,
        cause: promptError ?? error,
      },
    );
  }
  const code = error.code ? ` (${error.code})` : '';
  return new ClusterSshError(
    'SSH_CONNECT_FAILED',
    `cannot connect to ${String(context['host'])}:${String(context['port'])}${code}: ${error.message}`,
    {
      details: { ...context, code: error.code, level: error.level },
      cause: error,
    },
  );
}

/** Something a session closes when it closes. */
interface Closable {
  close(): Promise<void>;
}

class Session implements SshSession {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  #hostKey: VerifiedHostKey;
  #client: ClientType;
  #lost: Error | undefined;
  #closed = false;
  #sftp: Promise<SFTPWrapper> | undefined;
  readonly #resources = new Set<Closable>();
  readonly #options: ConnectSshOptions;
  readonly #auth: PreparedAuth;
  readonly #via: SshSession | undefined;
  readonly #ownsVia: boolean;

  constructor(
    options: ConnectSshOptions,
    auth: PreparedAuth,
    client: ClientType,
    hostKey: VerifiedHostKey,
    via: SshSession | undefined,
    ownsVia: boolean,
  ) {
    this.host = options.host;
    this.port = options.port ?? 22;
    this.username = options.username;
    this.#options = options;
    this.#auth = auth;
    this.#via = via;
    this.#ownsVia = ownsVia;
    this.#client = client;
    this.#hostKey = hostKey;
    this.#watch(client);
  }

  get hostKey(): VerifiedHostKey {
    return this.#hostKey;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connected(): boolean {
    return !this.#closed && this.#lost === undefined;
  }

  get #context(): Record<string, unknown> {
    return { host: this.host, port: this.port, username: this.username };
  }

  #watch(client: ClientType): void {
    const onGone = (error?: Error): void => {
      if (client !== this.#client) return;
      this.#lost ??= error ?? new Error('connection closed');
      this.#sftp = undefined;
    };
    // After the handshake an error is always followed by close; both mark the connection lost.
    client.on('error', onGone).on('close', () => onGone());
  }

  #live(): ClientType {
    if (this.#closed)
      throw new ClusterSshError('SSH_SESSION_CLOSED', `the session to ${this.host}:${this.port} is closed`, { details: this.#context });
    if (this.#lost) {
      throw new ClusterSshError('SSH_CONNECTION_LOST', `the connection to ${this.host}:${this.port} was lost: ${this.#lost.message}`, {
        details: this.#context,
        cause: this.#lost,
      });
    }
    return this.#client;
  }

  async exec(command: CommandInput, options: ExecOptions = {}): Promise<ExecResult> {
    const line = toCommandLine(command);
    const client = this.#live();
    const result = await runExec(client, line, options, this.#context).catch((error: unknown) => {
      throw this.#lostInstead(error);
    });
    // A channel closed without an exit status means the connection went away under the command.
    if (result.exitCode === null && result.exitSignal === undefined && this.#lost) this.#live();
    return result;
  }

  #lostInstead(error: unknown): unknown {
    if (
      this.#lost &&
      !(error instanceof ClusterSshError && error.code === 'SSH_CONNECTION_LOST') &&
      !(error instanceof Error && error.name === 'AbortError')
    ) {
      try {
        this.#live();
      } catch (lost) {
        return lost;
      }
    }
    return error;
  }

  sftp(signal?: AbortSignal): Promise<SFTPWrapper> {
    const client = this.#live();
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      client.sftp((error, sftp) => {
        if (error) {
          this.#sftp = undefined;
          reject(
            this.#lostInstead(
              new ClusterSshError('SSH_CHANNEL_FAILED', `cannot start SFTP: ${error.message}`, { details: this.#context, cause: error }),
            ),
          );
        } else {
          sftp.on('close', () => {
            if (this.#client === client) this.#sftp = undefined;
          });
          resolve(sftp);
        }
      });
    });
    return this.#sftp;
  }

  upload(localPath: string, remotePath: string, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadPath(
      {
        sftp: (signal) => this.sftp(signal),
        exec: (command, execOptions) => this.exec(command, execOptions),
        reconnect: (callOptions) => this.reconnect(callOptions),
        lost: () => this.#lost !== undefined && !this.#closed,
        context: this.#context,
      },
      localPath,
      remotePath,
      options,
    );
  }

  async forward(target: ForwardTarget, options: ForwardOptions = {}): Promise<Tunnel> {
    this.#live();
    const tunnel = await openTunnel((signal) => this.openStream(target, { signal }), target, options);
    this.#resources.add(tunnel);
    tunnel.closedPromise.then(
      () => this.#resources.delete(tunnel),
      () => this.#resources.delete(tunnel),
    );
    return tunnel;
  }

  openStream(target: ForwardTarget, options: CallOptions = {}): Promise<Duplex> {
    const client = this.#live();
    const scope = openCallScope('ssh openStream', options);
    const { signal } = scope;
    if (signal.aborted) {
      scope.dispose();
      return Promise.reject(signal.reason);
    }
    const details = { ...this.#context, target: describeTarget(target) };
    return new Promise<Duplex>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const opened = (error: (Error & { reason?: number }) | undefined, channel: ClientChannel): void => {
        signal.removeEventListener('abort', onAbort);
        scope.dispose();
        if (error) {
          const refused = /refused|connect failed|open failure/i.test(error.message) && !this.#lost;
          reject(
            this.#lostInstead(
              new ClusterSshError(
                refused ? 'SSH_TUNNEL_REFUSED' : 'SSH_CHANNEL_FAILED',
                `${this.host} cannot reach ${describeTarget(target)}: ${error.message}`,
                { details: details, cause: error },
              ),
            ),
          );
          return;
        }
        if (signal.aborted) {
          channel.close();
          return;
        }
        resolve(channel);
      };
      if (isSocketTarget(target)) client.openssh_forwardOutStreamLocal(target.remoteSocket, opened);
      else client.forwardOut('127.0.0.1', 0, target.remoteHost, target.remotePort, opened);
    });
  }

  connectThrough(target: ConnectThroughTarget, options: CallOptions = {}): Promise<SshSession> {
    this.#live();
    const { via: _via, signal: _signal, timeoutMs: _timeout, ...own } = this.#options;
    return connectSsh({
      ...own,
      host: target.host,
      port: target.port ?? 22,
      hostKey: target.hostKey ?? this.#options.hostKey,
      via: this,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  async reconnect(options: CallOptions = {}): Promise<void> {
    if (this.#closed) this.#live();
    const scope = openCallScope('ssh reconnect', { signal: options.signal, timeoutMs: options.timeoutMs ?? 60_000 });
    try {
      if (this.#ownsVia && this.#via && !this.#via.connected) await this.#via.reconnect({ signal: scope.signal });
      const old = this.#client;
      const { client, hostKey } = await handshake(this.#options, this.#auth, this.#via, scope.signal);
      this.#client = client;
      this.#hostKey = hostKey;
      this.#lost = undefined;
      this.#sftp = undefined;
      this.#watch(client);
      old.destroy();
    } finally {
      scope.dispose();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#resources].map((resource) => resource.close()));
    this.#resources.clear();
    const client = this.#client;
    await new Promise<void>((resolve) => {
      if (this.#lost) return resolve();
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
    if (this.#ownsVia) await this.#via?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
