import { spawn } from 'node:child_process';
import { openCallScope } from '@medaas/core';
import { ClusterSshError } from './errors.js';
import { tail, type ExecOptions, type ExecResult } from './exec.js';
import { toCommandLine, type CommandInput } from './shell.js';

/** Runs commands somewhere: over an SSH session, or on this machine. Schedulers are built on one. */
export interface CommandRunner {
  /** Where commands run, for messages: `user@host:port` or `local`. */
  readonly where: string;
  /** Runs one command; a non-zero exit is a value (`exitCode`) unless `check` is set. */
  run(command: CommandInput, options?: ExecOptions): Promise<ExecResult>;
}

/**
 * A {@link CommandRunner} that runs commands on this machine through `/bin/sh -c`, with the same
 * quoting rules as a remote command. Used by schedulers created without a session.
 *
 * @throws {ClusterSshError} `SSH_COMMAND_FAILED` from `run` when `check` is set and the command fails.
 * @example
 * ```ts
 * const { stdout } = await localRunner().run(['squeue', '-h']);
 * ```
 */
export function localRunner(): CommandRunner {
  return {
    where: 'local',
    async run(command, options = {}) {
      const line = toCommandLine(command);
      const scope = openCallScope('local exec', options);
      try {
        if (scope.signal.aborted) throw scope.signal.reason;
        const result = await new Promise<ExecResult>((resolve, reject) => {
          const child = spawn('/bin/sh', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'], signal: scope.signal, killSignal: 'SIGKILL' });
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
          child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
          child.on('error', (error) => reject(scope.signal.aborted ? scope.signal.reason : error));
          child.on('close', (code, signal) => {
            if (scope.signal.aborted) return reject(scope.signal.reason);
            const base = {
              exitCode: code,
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(err).toString('utf8'),
              truncated: false,
            };
            resolve(signal ? { ...base, exitSignal: signal.replace(/^SIG/, '') } : base);
          });
          child.stdin.on('error', () => undefined);
          child.stdin.end(
            options.stdin === undefined ? undefined : typeof options.stdin === 'string' ? options.stdin : Buffer.from(options.stdin),
          );
        });
        if (options.check === true && result.exitCode !== 0) {
          throw new ClusterSshError(
            'SSH_COMMAND_FAILED',
            `local command exited with ${String(result.exitCode)}: ${tail(result.stderr || result.stdout)}`,
            {
              details: { exitCode: result.exitCode, stderr: tail(result.stderr, 2000) },
            },
          );
        }
        return result;
      } finally {
        scope.dispose();
      }
    },
  };
}
