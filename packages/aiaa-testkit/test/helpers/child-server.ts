import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServerOptions, TestServerStats } from '@medaas/aiaa-testkit';

/** The memory figures a child server reports, in bytes. */
export interface ChildMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** The highest RSS the process reached so far. */
  readonly maxRssBytes: number;
}

/** A test server running in a child process. */
export interface ChildServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** The child's memory now and its peak so far; rejects when the child does not answer within `timeoutMs`. */
  memory(timeoutMs?: number): Promise<ChildMemory>;
  /** The server's `stats()`; rejects when the child does not answer within `timeoutMs`. */
  stats(timeoutMs?: number): Promise<TestServerStats>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** What the child wrote to stderr. */
  stderr(): string;
  close(): Promise<void>;
}

let bundled: Promise<string> | undefined;
const folder = join(tmpdir(), 'medaas-testkit-child');
const ours = join(folder, `server-${process.pid}.mjs`);
process.on('exit', () => rmSync(ours, { force: true }));

/** Bundles left by test processes that are gone (a worker killed before its exit handler ran). */
function removeStale(): void {
  for (const name of readdirSync(folder)) {
    const pid = Number(/^server-(\d+)\.mjs$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(folder, name), { force: true });
    }
  }
}

/**
 * The child entry bundled from the sources once per test process (the child runs plain `node`). With
 * `TESTKIT_SOURCE_DIR` set to another copy of the package (an older commit's `src` beside its
 * `package.json`), that copy is served instead, to measure a change against what came before.
 */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const other = process.env['TESTKIT_SOURCE_DIR'];
    const repo = fileURLToPath(new URL('../../../../', import.meta.url));
    mkdirSync(folder, { recursive: true });
    removeStale();
    const outfile = ours;
    await build({
      entryPoints: [fileURLToPath(new URL('./child-server-entry.ts', import.meta.url))],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@medaas/source'],
      logLevel: 'warning',
      ...(other ? { alias: { '@medaas/aiaa-testkit': join(other, 'src', 'index.ts') }, nodePaths: [join(repo, 'node_modules')] } : {}),
    });
    return outfile;
  })();
  return bundled;
}

/**
 * Starts `startTestServer(options)` in a child `node` (with `--max-old-space-size=heapMb` when given) and
 * waits until it listens.
 */
export async function startChildServer(options: TestServerOptions = {}, settings: { readonly heapMb?: number } = {}): Promise<ChildServer> {
  const entry = await bundle();
  const child: ChildProcess = fork(entry, [JSON.stringify(options)], {
    execArgv: settings.heapMb ? [`--max-old-space-size=${settings.heapMb}`] : [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-20_000)));
  const ready = await new Promise<{ ready: string; port: number }>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (message && typeof message === 'object' && 'ready' in message) {
        child.off('message', onMessage);
        resolve(message as { ready: string; port: number });
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the child server exited (${code}) before listening: ${stderr}`)));
  });
  let closed: Promise<void> | undefined;
  const handle: ChildServer = {
    url: ready.ready,
    port: ready.port,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    memory: (timeoutMs = 10_000) => ask<ChildMemory>(child, 'memory', timeoutMs),
    stats: (timeoutMs = 10_000) => ask<TestServerStats>(child, 'stats', timeoutMs),
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (!handle.alive()) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // A hung child never handles the disconnect: the timer kills it.
        if (child.connected) child.disconnect();
        else child.kill('SIGKILL');
      });
      return closed;
    },
    [Symbol.asyncDispose]() {
      return handle.close();
    },
  };
  return handle;
}

/** Sends `what` to the child and waits for its `{ [what]: value }` answer. */
function ask<T>(child: ChildProcess, what: 'memory' | 'stats', timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the child server did not report its ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown): void => {
      if (message && typeof message === 'object' && what in message) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve((message as Record<string, T>)[what]!);
      }
    };
    child.on('message', onMessage);
    child.send(what);
  });
}
