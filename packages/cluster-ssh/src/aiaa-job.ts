import { request } from 'node:http';
import { connect as connectSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createProgressReporter,
  openCallScope,
  redactingLogger,
  sleep,
  type CallOptions,
  type Logger,
  type ProgressCallback,
} from '@medaas/core';
import { ClusterSshError } from './errors.js';
import { tail } from './exec.js';
import type { JobSpec } from './job-script.js';
import type { Job, JobStatus } from './job.js';
import type { Scheduler } from './scheduler-interface.js';
import { quoteShell } from './shell.js';
import type { HostKeyPolicy } from './host-key.js';
import type { SshSession } from './session.js';
import { openTunnel, type Tunnel } from './tunnel.js';

/** The line a server job prints once its server accepts connections: `MEDAAS_AIAA_LISTENING host:port`. */
export const LISTENING_MARKER = 'MEDAAS_AIAA_LISTENING';

/** The line a server job prints once its server listens on its private socket: `MEDAAS_AIAA_LISTENING_SOCKET host /path`. */
export const SOCKET_MARKER = 'MEDAAS_AIAA_LISTENING_SOCKET';

/**
 * Where the server listens on its node. `socket`: a Unix socket in a folder only the job's owner can open
 * (mode 0700, made by the job), reached over SSH to the node: nothing on the node accepts a connection from
 * another user. `port`: a TCP port, which every user with a process on the node (or, bound to 0.0.0.0, on
 * the cluster network) can connect to; for servers that cannot listen on a socket, on nodes of their own.
 */
export type ServerListen = 'socket' | 'port';

/**
 * How the SDK reaches a socket on the server's node: over SSH to the node through the login session
 * (`host`/`port` override the node's name and SSH port, `hostKey` its host-key policy, default the login
 * session's), or `'login'` when the job runs on the login session's own machine.
 */
export type NodeAccess = { readonly host?: string; readonly port?: number; readonly hostKey?: HostKeyPolicy } | 'login';

/** A bind mount of a container: a host folder seen at `container` inside. */
export interface BindMount {
  readonly host: string;
  readonly container: string;
  readonly readOnly?: boolean;
}

/**
 * What the job runs. `command` elements may contain `{port}`, replaced by the port the job chose (also
 * exported as `MEDAAS_PORT`), or `{socket}`, replaced by the path of a Unix socket in a folder only the job's
 * owner can open (also `MEDAAS_SOCKET`). With `container`, the command runs inside
 * `singularity|apptainer exec --nv` (bind the socket's folder, `$TMPDIR` or `/tmp`, when the image does not).
 */
export interface AiaaServerCommand {
  /** The server command. Default (with a container): Clara's `start_aas.sh --workspace <workspace> --port {port}`. */
  readonly command?: readonly string[];
  /** Run the command in a Singularity/Apptainer image, as the seed's `start_clara_4.sh` does. */
  readonly container?: {
    readonly image: string;
    /** Default `singularity`. */
    readonly runtime?: 'singularity' | 'apptainer';
    readonly binds?: readonly BindMount[];
    /** Pass the GPUs through (`--nv`). Default true. */
    readonly nv?: boolean;
  };
  /** The AIAA workspace inside the container, for the default command. Default `/workspace/aiaa`. */
  readonly workspace?: string;
}

/** Options of {@link startAiaaServerJob}. */
export interface AiaaServerJobOptions extends CallOptions {
  /** Scheduler options for the job (partition, account, walltime, GPUs, modules...); the script is rendered. */
  readonly job?: Omit<JobSpec, 'script' | 'name'> & { readonly name?: string };
  readonly server: AiaaServerCommand;
  /** A fixed server port; default a free port chosen on the node. */
  readonly port?: number;
  /** Socket or port (see {@link ServerListen}). Default `socket` when the command names `{socket}`, else `port`. */
  readonly listen?: ServerListen;
  /** How a socket on the node is reached (see {@link NodeAccess}). Default: SSH to the node on port 22. */
  readonly node?: NodeAccess;
  /** The host the login node reaches the server at. Default: the job's node as the scheduler names it. */
  readonly remoteHost?: string;
  /** The protocol the server speaks; it decides the default readiness path. Default `aiaa`. */
  readonly protocol?: 'aiaa' | 'monai-label';
  /** Path answered by a ready server. Default `/v1/models` (AIAA v1) or `/info/` (MONAI Label). */
  readonly healthPath?: string;
  /** Time between polls of the job and its output. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** Phases `queued`, `starting`, `tunnel`, `ready`; `loaded` counts completed phases of 4. */
  readonly onProgress?: ProgressCallback;
  readonly logger?: Logger;
}

/** How long each step took, in milliseconds since the call began. */
export interface AiaaServerTimings {
  readonly submittedMs: number;
  readonly runningMs: number;
  readonly listeningMs: number;
  readonly readyMs: number;
}

/** A running AIAA (or MONAI Label) server job reachable at `url`. `close()` closes the tunnel and cancels the job. */
export interface AiaaServerJob extends AsyncDisposable {
  /** A base URL on 127.0.0.1 (through the tunnel when the scheduler has a session). */
  readonly url: string;
  /** The protocol the server speaks. */
  readonly protocol: 'aiaa' | 'monai-label';
  readonly job: Job;
  /** The tunnel, when the server is on another machine. */
  readonly tunnel: Tunnel | undefined;
  /** Where the server listens: its node and port (0 for a socket), and its socket when it listens on one. */
  readonly remote: { readonly host: string; readonly port: number; readonly socket?: string };
  readonly timings: AiaaServerTimings;
  /** Closes the tunnel and cancels the job. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * The job script of an AIAA server job: picks a port, starts the server (in a container when asked) in
 * the background, prints `MEDAAS_AIAA_LISTENING host:port` once the port accepts connections, and
 * forwards the scheduler's TERM to the server.
 *
 * @throws {ClusterSshError} `SCHED_INVALID_SPEC` for an empty command or an invalid port.
 * @example
 * ```ts
 * renderAiaaServerScript({ container: { image: '/shared/clara-aiaa-4.sif', binds: [{ host: '/scratch/aiaa', container: '/workspace' }] } });
 * ```
 */
export function renderAiaaServerScript(
  server: AiaaServerCommand,
  options: { port?: number; readyWaitSec?: number; listen?: ServerListen } = {},
): string {
  const workspace = server.workspace ?? '/workspace/aiaa';
  const command = server.command ?? (server.container ? ['start_aas.sh', '--workspace', workspace, '--port', '{port}'] : []);
  if (command.length === 0)
    throw new ClusterSshError('SCHED_INVALID_SPEC', 'the server needs a command (or a container for the default Clara command)');
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
    throw new ClusterSshError('SCHED_INVALID_SPEC', `invalid server port ${options.port}`, { details: { port: options.port } });
  }
  const listen = options.listen ?? (command.some((c) => c.includes('{socket}')) ? 'socket' : 'port');
  if (listen === 'socket' && !command.some((c) => c.includes('{socket}'))) {
    throw new ClusterSshError(
      'SCHED_INVALID_SPEC',
      'listen: socket needs a server command that names {socket} (the path it must listen on)',
      { details: { command } },
    );
  }
  const word = (value: string): string =>
    value
      .split('{socket}')
      .map((piece) =>
        piece
          .split('{port}')
          .map((part) => (part === '' ? '' : quoteShell(part)))
          .join('"$MEDAAS_PORT"'),
      )
      .join('"$MEDAAS_SOCKET"') || "''";
  let launch = command.map(word).join(' ');
  if (server.container) {
    const { image, runtime = 'singularity', binds = [], nv = true } = server.container;
    const parts = [quoteShell(runtime), 'exec'];
    if (nv) parts.push('--nv');
    for (const bind of binds) parts.push('-B', quoteShell(`${bind.host}:${bind.container}${bind.readOnly ? ':ro' : ''}`));
    parts.push(quoteShell(image));
    launch = `${parts.join(' ')} ${launch}`;
  }
  const tries = Math.max(1, Math.round((options.readyWaitSec ?? 3600) * 10));
  // Everything the job writes (its output, the server's files) is the owner's only.
  const head = ['umask 077'];
  if (listen === 'socket') {
    return [
      ...head,
      // mktemp -d makes the folder 0700: no other user can open the socket inside, even on this node.
      'medaas_dir=$(mktemp -d "${TMPDIR:-/tmp}/medaas-server.XXXXXXXX") || { echo "cannot create a private folder for the socket" >&2; exit 1; }',
      'trap \'rm -rf -- "$medaas_dir"\' EXIT',
      'MEDAAS_SOCKET="$medaas_dir/server.sock"',
      'export MEDAAS_SOCKET',
      'echo "MEDAAS_AIAA_STARTING socket $MEDAAS_SOCKET"',
      `${launch} &`,
      'medaas_pid=$!',
      `trap 'kill -TERM "$medaas_pid" 2>/dev/null' TERM INT`,
      `for _ in $(seq 1 ${tries}); do`,
      `  if [ -S "$MEDAAS_SOCKET" ]; then echo "${SOCKET_MARKER} $(hostname) $MEDAAS_SOCKET"; break; fi`,
      '  kill -0 "$medaas_pid" 2>/dev/null || break',
      '  sleep 0.1',
      'done',
      'wait "$medaas_pid"; medaas_status=$?',
      'wait "$medaas_pid" 2>/dev/null',
      'exit "$medaas_status"',
    ].join('\n');
  }
  return [
    ...head,
    'medaas_free_port() {',
    '  local p',
    '  for _ in $(seq 1 100); do',
    '    p=$(( 20000 + RANDOM % 40000 ))',
    '    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }',
    '  done',
    '  return 1',
    '}',
    options.port === undefined ? 'MEDAAS_PORT=$(medaas_free_port) || { echo "no free port" >&2; exit 1; }' : `MEDAAS_PORT=${options.port}`,
    'export MEDAAS_PORT',
    `echo "MEDAAS_AIAA_STARTING port $MEDAAS_PORT"`,
    `${launch} &`,
    'medaas_pid=$!',
    `trap 'kill -TERM "$medaas_pid" 2>/dev/null' TERM INT`,
    `for _ in $(seq 1 ${tries}); do`,
    `  if (exec 3<>"/dev/tcp/127.0.0.1/$MEDAAS_PORT") 2>/dev/null; then echo "${LISTENING_MARKER} $(hostname):$MEDAAS_PORT"; break; fi`,
    '  kill -0 "$medaas_pid" 2>/dev/null || break',
    '  sleep 0.1',
    'done',
    'wait "$medaas_pid"; medaas_status=$?',
    'wait "$medaas_pid" 2>/dev/null',
    'exit "$medaas_status"',
  ].join('\n');
}

/**
 * Finds the listening report in a job's output.
 *
 * @example
 * ```ts
 * parseListening('...\nMEDAAS_AIAA_LISTENING gpu07:41234\n'); // { host: 'gpu07', port: 41234 }
 * parseListening('MEDAAS_AIAA_LISTENING_SOCKET gpu07 /tmp/medaas-server.Ab12Cd34/server.sock\n');
 * // { host: 'gpu07', port: 0, socket: '/tmp/medaas-server.Ab12Cd34/server.sock' }
 * ```
 */
export function parseListening(output: string): { host: string; port: number; socket?: string } | undefined {
  const socket = new RegExp(`^${SOCKET_MARKER} (\\S+) (/\\S+)\\s*$`, 'm').exec(output);
  if (socket?.[1] && socket[2]) return { host: socket[1], port: 0, socket: socket[2] };
  const match = new RegExp(`^${LISTENING_MARKER} (\\S+):(\\d{1,5})\\s*$`, 'm').exec(output);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { host: match[1], port } : undefined;
}

/**
 * The seed's "Submit" button: submits a job that starts an AIAA server (or any HTTP server), waits until it
 * runs and reports its port, opens a 127.0.0.1 tunnel to it, checks that it answers, and returns its URL.
 * On any failure the tunnel is closed and the job cancelled.
 *
 * @throws {ClusterSshError} `SCHED_SUBMIT_FAILED` when the scheduler refuses the job, `SCHED_JOB_ENDED`
 *   (with the job's state and output tail) when it ends before serving, `SCHED_SERVER_UNREACHABLE` when it
 *   listens but never answers HTTP, `SSH_TUNNEL_REFUSED`; a timeout or abort rejects with the signal's reason.
 * @example
 * ```ts
 * await using aiaa = await startAiaaServerJob(createScheduler('slurm', session), {
 *   job: { partition: 'gpu', gpus: 1, walltimeSec: 8 * 3600, modules: ['singularity'] },
 *   server: { container: { image: '/shared/clara-train-4.0.sif', binds: [{ host: '/scratch/ana/aiaa', container: '/workspace' }] } },
 *   timeoutMs: 30 * 60_000,
 * });
 * const client = createAiaaClient({ baseUrl: aiaa.url });
 * ```
 */
export async function startAiaaServerJob(scheduler: Scheduler, options: AiaaServerJobOptions): Promise<AiaaServerJob> {
  const log = redactingLogger(options.logger);
  const scope = openCallScope('startAiaaServerJob', options);
  const started = Date.now();
  const elapsed = (): number => Date.now() - started;
  const poll = options.pollIntervalMs ?? 250;
  const progress = (phase: string, loaded: number): void => createProgressReporter(options.onProgress, { phase, total: 4 }).done(loaded);
  const { signal } = scope;
  let job: Job | undefined;
  let tunnel: Tunnel | undefined;
  let nodeSession: SshSession | undefined;
  try {
    if (signal.aborted) throw signal.reason;
    const readyWaitSec = options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs) ? Math.ceil(options.timeoutMs / 1000) : 3600;
    const script = renderAiaaServerScript(options.server, {
      ...(options.port === undefined ? {} : { port: options.port }),
      readyWaitSec,
      ...(options.listen ? { listen: options.listen } : {}),
    });
    const submitted = await scheduler.submit({ ...options.job, name: options.job?.name ?? 'medaas-aiaa', script }, { signal });
    job = submitted;
    const submittedMs = elapsed();
    log.info('aiaa job submitted', { id: submitted.id, scheduler: scheduler.kind });
    progress('queued', 1);

    const ended = async (status: JobStatus): Promise<never> => {
      const output = await scheduler.readOutput(submitted, { signal, maxBytes: 4096 }).catch(() => '');
      throw new ClusterSshError(
        'SCHED_JOB_ENDED',
        `the AIAA job ${submitted.id} ended (${status.state}, ${status.rawState}) before its server was ready: ${tail(output, 500) || '(no output)'}`,
        {
          details: {
            id: submitted.id,
            state: status.state,
            rawState: status.rawState,
            exitCode: status.exitCode,
            reason: status.reason,
            outputTail: tail(output, 2000),
          },
        },
      );
    };

    let status = await scheduler.status(submitted, { signal });
    while (status.state === 'queued') {
      await sleep(poll, { signal });
      status = await scheduler.status(submitted, { signal });
    }
    if (status.terminal) await ended(status);
    const runningMs = elapsed();
    progress('starting', 2);

    let listening: { host: string; port: number; socket?: string } | undefined;
    for (let round = 0; ; round += 1) {
      listening = parseListening(await scheduler.readOutput(submitted, { signal }));
      if (listening) break;
      if (round % 4 === 3) {
        status = await scheduler.status(submitted, { signal });
        if (status.terminal) await ended(status);
      }
      await sleep(Math.min(poll, 100), { signal });
    }
    const listeningMs = elapsed();
    const remoteHost = options.remoteHost ?? status.node ?? listening.host;
    const remote = { host: remoteHost, port: listening.port, ...(listening.socket ? { socket: listening.socket } : {}) };
    progress('tunnel', 3);

    let url = `http://127.0.0.1:${remote.port}`;
    if (listening.socket) {
      const socket = listening.socket;
      if (!scheduler.session) {
        // The job runs here: connections to 127.0.0.1 are carried to the socket by this process.
        tunnel = await openTunnel(() => openLocalSocket(socket), { remoteSocket: socket }, { signal });
      } else {
        nodeSession = options.node === 'login' ? undefined : await reachNode(scheduler.session, remoteHost, options.node, signal);
        tunnel = await (nodeSession ?? scheduler.session).forward({ remoteSocket: socket }, { signal });
      }
      url = tunnel.url;
    } else if (scheduler.session) {
      tunnel = await scheduler.session.forward({ remoteHost, remotePort: remote.port }, { signal });
      url = tunnel.url;
    }
    const protocol = options.protocol ?? 'aiaa';
    await waitForHttp(url, options.healthPath ?? (protocol === 'monai-label' ? '/info/' : '/v1/models'), signal, async () => {
      const now = await scheduler.status(submitted, { signal });
      if (now.terminal) await ended(now);
    });
    const readyMs = elapsed();
    progress('ready', 4);
    log.info('aiaa server ready', { id: submitted.id, remoteHost, remotePort: remote.port, readyMs });
    return makeHandle(scheduler, submitted, tunnel, nodeSession, url, protocol, remote, { submittedMs, runningMs, listeningMs, readyMs });
  } catch (error) {
    await tunnel?.close().catch(() => undefined);
    await nodeSession?.close().catch(() => undefined);
    if (job) await scheduler.cancel(job).catch(() => undefined);
    throw error;
  } finally {
    scope.dispose();
  }
}

/** An SSH session on the server's node, through the login session, as the same user. */
async function reachNode(
  session: SshSession,
  node: string,
  access: Exclude<NodeAccess, 'login'> | undefined,
  signal: AbortSignal,
): Promise<SshSession> {
  try {
    return await session.connectThrough(
      {
        host: access?.host ?? node,
        ...(access?.port ? { port: access.port } : {}),
        ...(access?.hostKey ? { hostKey: access.hostKey } : {}),
      },
      { signal },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ClusterSshError(
      'SCHED_SERVER_UNREACHABLE',
      `cannot log in to the server's node ${access?.host ?? node} through ${session.host} to reach its private socket: ${reason} (clusters that allow it let a job's owner in, e.g. with pam_slurm_adopt; otherwise listen: 'port' on a node of your own)`,
      {
        details: { node: access?.host ?? node, port: access?.port ?? 22 },
        cause: error,
      },
    );
  }
}

function openLocalSocket(path: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(path, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) =>
      reject(
        new ClusterSshError('SSH_TUNNEL_REFUSED', `cannot connect to ${path}: ${error.message}`, {
          details: { socket: path },
          cause: error,
        }),
      ),
    );
  });
}

function makeHandle(
  scheduler: Scheduler,
  job: Job,
  tunnel: Tunnel | undefined,
  nodeSession: SshSession | undefined,
  url: string,
  protocol: 'aiaa' | 'monai-label',
  remote: { host: string; port: number; socket?: string },
  timings: AiaaServerTimings,
): AiaaServerJob {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await tunnel?.close().catch(() => undefined);
      await nodeSession?.close().catch(() => undefined);
      await scheduler.cancel(job);
    })();
    return closing;
  };
  return { url, protocol, job, tunnel, remote, timings, close, [Symbol.asyncDispose]: close };
}

/** Polls `url + path` until an HTTP answer below 500 arrives; `check` runs between attempts. */
async function waitForHttp(url: string, path: string, signal: AbortSignal, check: () => Promise<void>): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (signal.aborted) throw signal.reason;
    try {
      const status = await httpStatus(`${url}${path}`, signal);
      if (status < 500) return;
      lastError = new Error(`HTTP ${status}`);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastError = error;
    }
    await check();
    await sleep(Math.min(50 * 2 ** attempt, 1000), { signal });
  }
  throw new ClusterSshError(
    'SCHED_SERVER_UNREACHABLE',
    `the server at ${url} never answered ${path}: ${(lastError as Error)?.message ?? 'no answer'}`,
    {
      details: { url, path },
      cause: lastError,
    },
  );
}

function httpStatus(url: string, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'GET', signal, timeout: 5000, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}
