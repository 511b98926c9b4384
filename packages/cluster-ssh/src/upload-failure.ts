import type { SFTPWrapper } from 'ssh2';
import { ClusterSshError } from './errors.js';
import type { ExecOptions, ExecResult } from './exec.js';
import { sh, type CommandInput } from './shell.js';

/** Free space of a remote file system, as the server reports it to its user (non-root). */
export interface RemoteFreeSpace {
  readonly bytes: number;
  /** Free inodes, when the server says (statvfs); undefined from `df`. */
  readonly inodes?: number;
}

/** What describing a failure needs from a session. */
export interface FailureTransport {
  exec(command: CommandInput, options?: ExecOptions): Promise<ExecResult>;
}

/** What was being written when the server refused. */
export interface FailedWrite {
  /** The final remote path of the file (or the folder being made). */
  readonly remotePath: string;
  readonly localPath?: string;
  /** The file's size, 0 for a folder. */
  readonly bytes: number;
  /** Bytes of the file already on the server (in its temporary file). */
  readonly written: number;
  /** The folder whose file system is asked for its free space. */
  readonly folder: string;
  /** `cannot write` or `cannot create the remote folder`. */
  readonly action: string;
}

const SFTP_FAILURE = 4;

function sftpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The free space of the file system holding `folder`: statvfs@openssh.com when the server offers it,
 * otherwise `df -P -k`. Undefined when neither answers within a few seconds.
 *
 * @example
 * ```ts
 * const free = await remoteFreeSpace(sftp, session, '/scratch/ana'); // { bytes: 1048576, inodes: 5120 }
 * ```
 */
export async function remoteFreeSpace(
  sftp: SFTPWrapper,
  transport: FailureTransport,
  folder: string,
): Promise<RemoteFreeSpace | undefined> {
  const viaStatvfs = new Promise<RemoteFreeSpace | undefined>((resolve) => {
    try {
      sftp.ext_openssh_statvfs(folder, (error, info: Record<string, number | bigint> | undefined) => {
        if (error || !info) return resolve(undefined);
        const bytes = Number(info['f_bavail'] ?? 0) * Number(info['f_frsize'] ?? info['f_bsize'] ?? 0);
        const inodes = Number(info['f_favail'] ?? Number.NaN);
        resolve(Number.isFinite(inodes) ? { bytes, inodes } : { bytes });
      });
    } catch {
      // The server does not offer the extension.
      resolve(undefined);
    }
  });
  const fromStatvfs = await withTimeout(viaStatvfs, 5000);
  if (fromStatvfs) return fromStatvfs;
  const df = await withTimeout(
    transport.exec(sh`df -P -k -- ${folder}`, { timeoutMs: 5000 }).catch(() => undefined),
    6000,
  );
  const available = df?.exitCode === 0 ? df.stdout.trim().split('\n')[1]?.trim().split(/\s+/)[3] : undefined;
  return available !== undefined && /^\d+$/.test(available) ? { bytes: Number(available) * 1024 } : undefined;
}

/**
 * The typed error for an SFTP request the server refused while writing `what`. OpenSSH's SFTP server
 * reports a full disk (and a quota, and most other write errors) only as "Failure" (status 4), so the free
 * space of the target's file system is asked for: too little for the rest of the file (or no inode left)
 * is `SSH_REMOTE_DISK_FULL`. A {@link ClusterSshError} is returned as it is.
 *
 * @example
 * ```ts
 * throw await describeWriteFailure(sftp, session, error, { remotePath, bytes, written, folder, action: 'cannot write' });
 * ```
 */
export async function describeWriteFailure(
  sftp: SFTPWrapper,
  transport: FailureTransport,
  error: unknown,
  what: FailedWrite,
): Promise<ClusterSshError> {
  if (error instanceof ClusterSshError) return error;
  const message = (error as Error | undefined)?.message ?? String(error);
  const code = sftpCode(error);
  const free = await remoteFreeSpace(sftp, transport, what.folder).catch(() => undefined);
  const needed = Math.max(1, what.bytes - what.written);
  const details = {
    remotePath: what.remotePath,
    ...(what.localPath === undefined ? {} : { localPath: what.localPath }),
    bytes: what.bytes,
    folder: what.folder,
    sftpStatus: code,
    sftpMessage: message,
    ...(free === undefined ? {} : { freeBytes: free.bytes, ...(free.inodes === undefined ? {} : { freeInodes: free.inodes }) }),
  };
  if (free !== undefined && (free.bytes < needed || free.inodes === 0)) {
    const room = free.inodes === 0 ? 'no free inode' : `${free.bytes} bytes free, ${needed} more needed`;
    return new ClusterSshError(
      'SSH_REMOTE_DISK_FULL',
      `no space left on the remote disk for ${what.remotePath} (${room} in ${what.folder})`,
      { details, cause: error },
    );
  }
  const hint =
    code === SFTP_FAILURE
      ? ` (the server gave no reason${free === undefined ? '' : `; ${free.bytes} bytes are free there, so perhaps a quota`})`
      : '';
  return new ClusterSshError('SSH_UPLOAD_FAILED', `${what.action} ${what.remotePath}: ${message}${hint}`, { details, cause: error });
}
