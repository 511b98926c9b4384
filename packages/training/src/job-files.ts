import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallOptions } from '@medaas/core';
import { sh, type SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from './errors.js';

/**
 * Reads files where a job ran: over the scheduler's SSH session, or on this machine when it has none
 * (the local scheduler, or Slurm driven here).
 */
export interface JobFiles {
  /** `user@host:port`, or `local`. */
  readonly where: string;
  /** The bytes of a file from `offset` on (`''` while it does not exist). */
  readFrom(path: string, offset: number, options?: CallOptions): Promise<string>;
  readBytes(path: string, options?: CallOptions): Promise<Uint8Array>;
  /** Files (not folders) below `dir`, at most two levels deep, as absolute paths; `[]` when `dir` is missing. */
  list(dir: string, options?: CallOptions): Promise<string[]>;
}

/**
 * The files of jobs run through `session` (remote), or on this machine when it is `undefined`.
 *
 * @throws {TrainingError} `TRAINING_READ_FAILED` from `readBytes` when a file cannot be read.
 * @example
 * ```ts
 * const bytes = await jobFiles(scheduler.session).readBytes(results.bestModel!);
 * ```
 */
export function jobFiles(session: SshSession | undefined): JobFiles {
  return session ? remoteFiles(session) : localFiles();
}

function readFailed(path: string, where: string, cause: unknown, stderr = ''): TrainingError {
  return new TrainingError('TRAINING_READ_FAILED', `cannot read ${path} on ${where}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`, {
    details: { path, where },
    cause,
  });
}

function remoteFiles(session: SshSession): JobFiles {
  const where = `${session.username}@${session.host}:${session.port}`;
  return {
    where,
    async readFrom(path, offset, options = {}) {
      const result = await session.exec(sh`test -f ${path} && tail -c +${offset + 1} -- ${path}`, options);
      return result.exitCode === 0 ? result.stdout : '';
    },
    async readBytes(path, options = {}) {
      // base64 keeps binary model files intact through the text exec channel.
      const result = await session.exec(sh`base64 -w0 -- ${path}`, { ...options, maxOutputBytes: 2 * 1024 ** 3 });
      if (result.exitCode !== 0) throw readFailed(path, where, undefined, result.stderr);
      return new Uint8Array(Buffer.from(result.stdout, 'base64'));
    },
    async list(dir, options = {}) {
      const result = await session.exec(sh`test -d ${dir} && find ${dir} -maxdepth 2 -type f -print`, options);
      if (result.exitCode !== 0) return [];
      return result.stdout
        .split('\n')
        .filter((l) => l !== '')
        .sort();
    },
  };
}

function localFiles(): JobFiles {
  return {
    where: 'local',
    async readFrom(path, offset, options = {}) {
      if (options.signal?.aborted) throw options.signal.reason;
      let handle;
      try {
        handle = await open(path, 'r');
      } catch {
        return '';
      }
      try {
        const { size } = await handle.stat();
        if (size <= offset) return '';
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        return buffer.toString('utf8');
      } finally {
        await handle.close();
      }
    },
    async readBytes(path, options = {}) {
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        throw readFailed(path, 'local', error);
      }
    },
    async list(dir, options = {}) {
      if (options.signal?.aborted) throw options.signal.reason;
      const found: string[] = [];
      const walk = async (folder: string, depth: number): Promise<void> => {
        let names: string[];
        try {
          names = await readdir(folder);
        } catch {
          return;
        }
        for (const name of names) {
          const path = join(folder, name);
          const info = await stat(path).catch(() => undefined);
          if (info?.isFile()) found.push(path);
          else if (info?.isDirectory() && depth < 2) await walk(path, depth + 1);
        }
      };
      await walk(dir, 1);
      return found.sort();
    },
  };
}
