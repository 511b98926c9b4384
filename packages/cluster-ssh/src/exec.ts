import type { Client, ClientChannel } from 'ssh2';
import { openCallScope, type CallOptions } from '@medaas/core';
import { ClusterSshError } from './errors.js';

/** Options of `session.exec`. */
export interface ExecOptions extends CallOptions {
  /** Bytes written to the command's standard input, which is then closed. */
  readonly stdin?: string | Uint8Array;
  /** Throw `SSH_COMMAND_FAILED` on a non-zero exit instead of returning the result. Default false. */
  readonly check?: boolean;
  /** Output kept per stream; beyond it the first bytes are kept and `truncated` is set. Default 16 MiB. */
  readonly maxOutputBytes?: number;
}

/**
 * What a remote command did. A non-zero exit is an outcome, not an exception (unless `check` is set).
 */
export interface ExecResult {
  /** The exit status, or `null` when the command was killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended the command, e.g. `KILL`. */
  readonly exitSignal?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether output beyond `maxOutputBytes` was dropped. */
  readonly truncated: boolean;
}

/** Opens one exec channel and collects its output; the channel is always closed on return. */
export async function runExec(
  client: Client,
  commandLine: string,
  options: ExecOptions,
  context: Record<string, unknown>,
): Promise<ExecResult> {
  const scope = openCallScope('ssh exec', options);
  const limit = options.maxOutputBytes ?? 16 * 1024 * 1024;
  try {
    const { signal } = scope;
    if (signal.aborted) throw signal.reason;
    // Listeners go on inside the exec callback, synchronously: ssh2 parses a whole TCP chunk at once, and
    // a fast command's exit status can arrive in the same chunk as the channel confirmation.
    const result = await new Promise<ExecResult>((resolve, reject) => {
      let opened: ClientChannel | undefined;
      const onAbort = (): void => {
        if (opened) {
          sendKill(opened);
          opened.close();
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      client.exec(commandLine, (error, channel) => {
        if (error) {
          signal.removeEventListener('abort', onAbort);
          reject(
            new ClusterSshError('SSH_CHANNEL_FAILED', `cannot open a channel for a command: ${error.message}`, {
              details: context,
              cause: error,
            }),
          );
          return;
        }
        opened = channel;
        if (signal.aborted) {
          channel.close();
          return;
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        let truncated = false;
        let exitCode: number | null = null;
        let exitSignal: string | undefined;
        channel.on('data', (chunk: Buffer) => {
          if (outBytes + chunk.length > limit) truncated = true;
          else out.push(chunk);
          outBytes += chunk.length;
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          if (errBytes + chunk.length > limit) truncated = true;
          else err.push(chunk);
          errBytes += chunk.length;
        });
        channel.on('exit', (code: number | null, signalName?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          if (signalName) exitSignal = signalName;
        });
        channel.on('close', () => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) return;
          const base = { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), truncated };
          resolve(exitSignal === undefined ? base : { ...base, exitSignal });
        });
        channel.on('error', (failure: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(
            new ClusterSshError('SSH_CONNECTION_LOST', `the command's channel failed: ${failure.message}`, {
              details: context,
              cause: failure,
            }),
          );
        });
        if (options.stdin !== undefined) channel.end(typeof options.stdin === 'string' ? options.stdin : Buffer.from(options.stdin));
        else channel.end();
      });
    });
    if (options.check === true && result.exitCode !== 0) {
      throw new ClusterSshError(
        'SSH_COMMAND_FAILED',
        `remote command exited with ${result.exitCode ?? `signal ${result.exitSignal ?? '?'}`}: ${tail(result.stderr || result.stdout)}`,
        { details: { ...context, exitCode: result.exitCode, exitSignal: result.exitSignal, stderr: tail(result.stderr, 2000) } },
      );
    }
    return result;
  } finally {
    scope.dispose();
  }
}

/**
 * Asks the server to KILL the command. ssh2's `channel.signal()` refuses once stdin has been ended (as it
 * is for every command without input), although the protocol allows it, so the request goes to the
 * protocol layer directly; closing the channel alone would leave the remote process running.
 */
function sendKill(channel: ClientChannel): void {
  const internals = channel as unknown as {
    _client?: { _protocol?: { signal(id: number, name: string): void } };
    outgoing?: { id: number; state: string };
  };
  try {
    if (internals.outgoing && internals.outgoing.state !== 'closed') internals._client?._protocol?.signal(internals.outgoing.id, 'KILL');
  } catch {
    // The connection may already be gone; closing the channel is then all there is to do.
  }
}

/** The last `max` characters of a text, for error messages. */
export function tail(text: string, max = 300): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= max ? trimmed : `...${trimmed.slice(-max)}`;
}
