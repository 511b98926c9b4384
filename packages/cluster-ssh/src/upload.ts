import { createHash } from 'node:crypto';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import {
  createProgressReporter,
  redactingLogger,
  retry,
  openCallScope,
  type CallOptions,
  type Logger,
  type ProgressCallback,
} from '@medaas/core';
import { ClusterSshError } from './errors.js';
import { digestFileSegments } from './file-digest.js';
import { parseSegmentDigests, probeRemoteChecksum, segmentBytes, segmentChecksumCommand, type RemoteChecksum } from './remote-checksum.js';
import type { ExecOptions, ExecResult } from './exec.js';
import { checkRemotePath, isWithin } from './remote-path.js';
import { describeWriteFailure } from './upload-failure.js';
import { uploadSettings, type ReconnectSettings } from './upload-settings.js';
import type { CommandInput } from './shell.js';

/** Options of `session.upload`. */
export interface UploadOptions extends CallOptions {
  /** Reports `{ phase: 'upload', loaded, total }` in bytes over all files. */
  readonly onProgress?: ProgressCallback;
  /** Reconnect-and-resume attempts after a dropped connection, for each file (a non-negative integer). Default 3. */
  readonly retries?: number;
  /** Delay before the first reconnect, doubled each time. Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Replace an existing file of the same name. Default true; false fails with `SSH_UPLOAD_FAILED`. */
  readonly overwrite?: boolean;
  /** Bytes per SFTP write request (split further to the server's limit). Default 256 KiB. */
  readonly chunkBytes?: number;
  /** Write requests in flight. Default 32. */
  readonly concurrency?: number;
  /**
   * Mode of each folder the upload creates (existing folders are left as they are). Default `0o700`:
   * other users of the cluster cannot look inside. Set exactly, whatever the server's umask.
   */
  readonly dirMode?: number;
  /** Mode of each file written. Default `0o600`: readable by its owner only. Set exactly, whatever the server's umask. */
  readonly fileMode?: number;
  readonly logger?: Logger;
}

/** What an upload wrote. */
export interface UploadResult {
  /** The absolute remote path of the file, or of the folder for a folder upload. */
  readonly remotePath: string;
  /** Every file written, absolute remote paths. */
  readonly files: readonly string[];
  /** Bytes of all files. */
  readonly bytes: number;
  /** Bytes not sent again because an earlier attempt had left them in the temporary file. */
  readonly resumedBytes: number;
  /** Reconnections made along the way. */
  readonly reconnects: number;
  /**
   * How the files were verified: the server's checksum tool and its digest (SHA-256 with `openssl`,
   * `sha256sum` or `shasum`; BLAKE2b-512 with `b2sum`), compared segment by segment with the local file's.
   */
  readonly checksum: { readonly tool: RemoteChecksum['tool']; readonly algorithm: RemoteChecksum['algorithm'] };
}

/** What the uploader needs from a session. */
export interface UploadTransport {
  sftp(signal: AbortSignal): Promise<SFTPWrapper>;
  exec(command: CommandInput, options?: ExecOptions): Promise<ExecResult>;
  reconnect(options: CallOptions): Promise<void>;
  lost(): boolean;
  readonly context: Record<string, unknown>;
}

interface LocalFile {
  readonly path: string;
  /** POSIX path relative to the upload's root. */
  readonly relative: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Uploads a file or a folder. Each file is written under a temporary name beside its target, checked
 * (size, and SHA-256 or BLAKE2b digests computed on the server, segments in parallel, against the same
 * digests of the local file computed in a worker thread while the data is in flight), fsynced and renamed
 * into place; a dropped connection is reconnected and the file resumed from what the server already holds.
 * Nothing is written outside the target folder: `..` is refused, and remote and local symlinks that lead
 * outside are refused. New folders get `dirMode` (0700), files `fileMode` (0600). A file that fails for any
 * reason but a dropped connection (which the next attempt resumes from) leaves no temporary file behind; a
 * full remote disk is `SSH_REMOTE_DISK_FULL`.
 */
export async function uploadPath(
  transport: UploadTransport,
  localPath: string,
  remotePath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const target = checkRemotePath(remotePath);
  const { modes, reconnect } = uploadSettings(options);
  const scope = openCallScope('ssh upload', options);
  const log = redactingLogger(options.logger);
  const state = { reconnects: 0, resumedBytes: 0 };
  try {
    const { signal } = scope;
    if (signal.aborted) throw signal.reason;
    const info = await stat(localPath).catch((error: unknown) => {
      throw new ClusterSshError('SSH_UPLOAD_FAILED', `cannot read ${localPath}`, { details: { localPath }, cause: error });
    });
    const folder = info.isDirectory();
    const files = folder
      ? await listLocal(localPath)
      : [{ path: localPath, relative: posix.basename(target), size: info.size, mtimeMs: info.mtimeMs }];
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const progress = createProgressReporter(options.onProgress, { phase: 'upload', total });
    const rootPath = folder ? target : posix.dirname(target);
    let done = 0;
    const written: string[] = [];
    let rootReal = '';
    // Which checksum tool the server offers: asked once, when the first file starts, while its bytes are sent.
    const checksum = probeOnce(transport, signal);
    for (const file of files) {
      const remote = await withReconnect(transport, reconnect, state, signal, async () => {
        const sftp = await transport.sftp(signal);
        rootReal = await ensureDir(transport, sftp, rootPath, undefined, modes.dir, signal);
        const parent = await ensureDir(transport, sftp, posix.join(rootReal, posix.dirname(file.relative)), rootReal, modes.dir, signal);
        return putFile(
          transport,
          sftp,
          checksum,
          file,
          posix.join(parent, posix.basename(file.relative)),
          { ...options, fileMode: modes.file },
          state,
          signal,
          (loaded) => progress.update(done + loaded),
        );
      });
      done += file.size;
      written.push(remote);
      log.debug('uploaded', { file: remote, bytes: file.size });
    }
    progress.done(total);
    const { tool, algorithm } = await checksum();
    return {
      remotePath: folder ? rootReal : (written[0] ?? target),
      files: written,
      bytes: total,
      ...state,
      checksum: { tool, algorithm },
    };
  } finally {
    scope.dispose();
  }
}

/** Whether an error means the connection is gone (the server cannot be asked anything more). */
function connectionLost(transport: UploadTransport, error: unknown): boolean {
  return transport.lost() || (error instanceof ClusterSshError && error.code === 'SSH_CONNECTION_LOST');
}

/** Removes a remote file, ignoring the signal (it cleans up after an abort too); gives up after 2 s. */
async function removeQuietly(sftp: SFTPWrapper, path: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      sftp.unlink(path, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** The longest start of `text` of at most `max` UTF-8 bytes, never splitting a character. */
function leadingBytes(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > max) break;
    out += char;
  }
  return out;
}

/** The modes a server's umask cannot take bits from (owner bits only): no chmod is needed after creating with them. */
function umaskProof(mode: number): boolean {
  return (mode & 0o7077) === 0;
}

/**
 * Runs one file's work, reconnecting and resuming (core's `retry`) after a dropped connection only: any
 * other failure is final at once. Waits `delayMs`, doubled each time, before each reconnect; a failed
 * reconnect simply uses up its attempt. When the attempts run out, the error is `SSH_CONNECTION_LOST`.
 */
async function withReconnect<T>(
  transport: UploadTransport,
  reconnect: ReconnectSettings,
  state: { reconnects: number },
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  return retry(
    async (attempt) => {
      try {
        if (attempt > 1) {
          await transport.reconnect({ signal }).catch(() => undefined);
          if (!transport.lost()) state.reconnects += 1;
        }
        return await work();
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!connectionLost(transport, error)) throw error;
        throw error instanceof ClusterSshError && error.code === 'SSH_CONNECTION_LOST'
          ? error
          : new ClusterSshError('SSH_CONNECTION_LOST', `the connection dropped during the upload: ${(error as Error).message}`, {
              details: transport.context,
              cause: error,
            });
      }
    },
    {
      retries: reconnect.retries,
      minDelayMs: reconnect.delayMs,
      // No cap and no jitter: one client resuming its own connection, with the delays the option documents.
      maxDelayMs: Number.MAX_SAFE_INTEGER,
      factor: 2,
      jitter: false,
      shouldRetry: ({ error }) => error instanceof ClusterSshError && error.code === 'SSH_CONNECTION_LOST',
      signal,
    },
  );
}

async function listLocal(root: string): Promise<LocalFile[]> {
  const rootReal = await realpath(root);
  const out: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const real = await realpath(path).catch(() => '');
        if (real === '' || !(real === rootReal || real.startsWith(rootReal + sep))) {
          throw new ClusterSshError('SSH_PATH_ESCAPE', `the local symlink ${path} leads outside ${root}`, { details: { path, root } });
        }
        isDir = (await stat(path)).isDirectory();
      }
      if (isDir) await walk(path);
      else {
        const info = await stat(path);
        if (info.isFile()) out.push({ path, relative: relative(root, path).split(sep).join('/'), size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await walk(root);
  return out;
}

const gone = new WeakMap<SFTPWrapper, Promise<never>>();

/** Rejects when the SFTP channel closes: ssh2 leaves requests in flight unanswered when the connection dies. */
function whenGone(sftp: SFTPWrapper): Promise<never> {
  let promise = gone.get(sftp);
  if (!promise) {
    promise = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new ClusterSshError('SSH_CONNECTION_LOST', 'the SFTP channel closed during the upload'));
      sftp.once('close', fail).once('end', fail);
    });
    promise.catch(() => undefined);
    gone.set(sftp, promise);
  }
  return promise;
}

function call<T>(
  sftp: SFTPWrapper,
  signal: AbortSignal,
  fn: (cb: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const request = new Promise<T>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
  request.catch(() => undefined);
  return Promise.race([request, whenGone(sftp)]);
}

function sftpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

const NO_SUCH_FILE = 2;

/**
 * Creates `dir` and its parents with `mode`; each existing component must resolve inside `root` (no symlink
 * escapes). Existing folders keep their mode.
 */
async function ensureDir(
  transport: UploadTransport,
  sftp: SFTPWrapper,
  dir: string,
  root: string | undefined,
  mode: number,
  signal: AbortSignal,
): Promise<string> {
  // Inside a root, only the components below it are walked (and each checked); the root itself was resolved before.
  const below = root !== undefined && isWithin(root, dir) ? dir.slice(root.length) : dir;
  const parts = below.split('/');
  let current = root !== undefined && below !== dir ? root : dir.startsWith('/') ? '/' : '.';
  let real = await call<string>(sftp, signal, (cb) => sftp.realpath(current, cb));
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    const parent = real;
    current = posix.join(real, part);
    const created = await call<boolean>(sftp, signal, (cb) => sftp.mkdir(current, { mode }, (error) => cb(error, true))).catch(
      async (error: unknown) => {
        if (signal.aborted || connectionLost(transport, error)) throw error;
        const exists = await call<Stats>(sftp, signal, (cb) => sftp.stat(current, cb)).catch(() => undefined);
        if (!exists?.isDirectory()) {
          throw await describeWriteFailure(sftp, transport, error, {
            remotePath: current,
            bytes: 0,
            written: 0,
            folder: parent,
            action: 'cannot create the remote folder',
          });
        }
        return false;
      },
    );
    // mkdir's mode passes through the server's umask, which may take group or other bits the caller asked for.
    if (created && !umaskProof(mode))
      await call<undefined>(sftp, signal, (cb) => sftp.chmod(current, mode, (error) => cb(error, undefined)));
    real = await call<string>(sftp, signal, (cb) => sftp.realpath(current, cb));
    if (root !== undefined && !isWithin(root, real)) {
      throw new ClusterSshError('SSH_PATH_ESCAPE', `the remote path ${current} resolves to ${real}, outside ${root}`, {
        details: { path: current, resolved: real, root },
      });
    }
  }
  return real;
}

/** The server's checksum tool, probed on first use; probed again after a failure (e.g. a dropped connection). */
function probeOnce(transport: UploadTransport, signal: AbortSignal): () => Promise<RemoteChecksum> {
  let pending: Promise<RemoteChecksum> | undefined;
  return () => {
    if (!pending) {
      pending = probeRemoteChecksum(transport, { signal });
      pending.catch(() => {
        pending = undefined;
      });
    }
    return pending;
  };
}

async function putFile(
  transport: UploadTransport,
  sftp: SFTPWrapper,
  checksum: () => Promise<RemoteChecksum>,
  file: LocalFile,
  remote: string,
  options: UploadOptions,
  state: { resumedBytes: number },
  signal: AbortSignal,
  onBytes: (loaded: number) => void,
): Promise<string> {
  const name = posix.basename(remote);
  const existing = await call<Stats>(sftp, signal, (cb) => sftp.lstat(remote, cb)).catch(() => undefined);
  if (existing?.isDirectory()) throw new ClusterSshError('SSH_UPLOAD_FAILED', `${remote} is a folder`, { details: { remotePath: remote } });
  if (existing && options.overwrite === false)
    throw new ClusterSshError('SSH_UPLOAD_FAILED', `${remote} exists`, { details: { remotePath: remote } });
  // The temporary name is stable for one version of the local file, so a later attempt finds and resumes it.
  // A long name is shortened (and its full form hashed into the tag) so that the temporary name stays
  // within the file system's 255 bytes.
  const long = Buffer.byteLength(name) > 200;
  const tag = createHash('sha256')
    .update(`${file.path}\0${file.size}\0${file.mtimeMs}${long ? `\0${name}` : ''}`)
    .digest('hex')
    .slice(0, 16);
  const temp = posix.join(posix.dirname(remote), `.${long ? leadingBytes(name, 150) : name}.${tag}.medaas-part`);
  const fileMode = options.fileMode ?? 0o600;
  // The local digests, computed once per file (a resumed pass compares against the same ones), off the main thread.
  const local = checksum().then((cs) => ({
    cs,
    digests: digestFileSegments(file.path, cs.algorithm, file.size, segmentBytes(file.size, cs.jobs), signal),
  }));
  local.then((l) => l.digests).catch(() => undefined);
  // A server that cannot verify (no checksum tool) is known within a round trip: stop sending at once.
  let unverifiable: unknown;
  local.catch((error: unknown) => {
    unverifiable ??= error;
  });
  /**
   * Every failure but a dropped connection removes the temporary file: nothing else would, and on a full
   * disk it would keep the space a later upload needs. A dropped connection leaves it for the next attempt
   * to resume (the server cannot be reached to remove it anyway). A refusal by the server becomes a typed
   * error naming the file and the cause, asked of the server before the temporary file goes.
   */
  const fail = async (error: unknown, written: number): Promise<never> => {
    if (connectionLost(transport, error)) throw error;
    const typed = signal.aborted
      ? signal.reason
      : await describeWriteFailure(sftp, transport, error, {
          remotePath: remote,
          localPath: file.path,
          bytes: file.size,
          written,
          folder: posix.dirname(remote),
          action: 'cannot write',
        });
    await removeQuietly(sftp, temp);
    throw typed;
  };
  for (let pass = 0; ; pass += 1) {
    let offset = 0;
    let handle: Buffer | undefined;
    let check = '';
    let written = 0;
    try {
      const partial = await call<Stats>(sftp, signal, (cb) => sftp.lstat(temp, cb)).catch((error: unknown) => {
        if (sftpCode(error) === NO_SUCH_FILE) return undefined;
        throw error;
      });
      if (partial?.isFile() && partial.size <= file.size && pass === 0) offset = partial.size;
      else if (partial) await call<undefined>(sftp, signal, (cb) => sftp.unlink(temp, (error) => cb(error, undefined)));
      // 'wx' (O_CREAT|O_EXCL) never follows a symlink planted at the temporary name.
      const opened = await call<Buffer>(sftp, signal, (cb) => sftp.open(temp, offset > 0 ? 'r+' : 'wx', { mode: fileMode }, cb));
      handle = opened;
      // A resumed file keeps the mode it was made with, and open's mode passes through the server's umask.
      if (offset > 0 || !umaskProof(fileMode))
        await call<undefined>(sftp, signal, (cb) => sftp.fchmod(opened, fileMode, (error) => cb(error, undefined)));
      state.resumedBytes += offset;
      written = offset;
      await writeFrom(
        sftp,
        opened,
        file,
        offset,
        options,
        signal,
        (loaded) => {
          written = loaded;
          onBytes(loaded);
        },
        () => unverifiable,
      );
      // The size first: the server answers SFTP requests in order, so a stat sent after the fsync would wait
      // for it.
      const info = await call<Stats>(sftp, signal, (cb) => sftp.stat(temp, cb));
      if (info.size === file.size) {
        // Data reaches the disk before the rename makes it visible (fsync@openssh.com, when offered); the
        // server hashes the file meanwhile, from its page cache. A server without the extension is no
        // error; a failed fsync (the data did not reach the disk) is.
        const synced = call<undefined>(sftp, signal, (cb) => sftp.ext_openssh_fsync(opened, (error) => cb(error, undefined))).then(
          () => undefined,
          (error: unknown) => (sftpCode(error) === undefined && !connectionLost(transport, error) ? undefined : error),
        );
        const { cs, digests } = await local;
        check = await verify(transport, temp, file.size, cs, digests, signal);
        const syncError = await synced;
        if (syncError !== undefined) throw syncError;
      } else check = `size ${info.size}, expected ${file.size}`;
    } catch (error) {
      if (handle) await closeQuietly(sftp, handle);
      handle = undefined;
      await fail(error, written);
    } finally {
      if (handle) await closeQuietly(sftp, handle);
    }
    if (check === 'ok') break;
    await removeQuietly(sftp, temp);
    // A resumed file that does not verify is sent once more in full; a fresh one that fails is an error.
    if (offset === 0 || pass > 0) {
      throw new ClusterSshError('SSH_UPLOAD_VERIFY_FAILED', `${remote} did not verify after upload: ${check}`, {
        details: { remotePath: remote, localPath: file.path, reason: check },
      });
    }
  }
  // posix-rename replaces an existing target atomically, where SFTP's plain rename refuses to.
  await call<undefined>(sftp, signal, (cb) => sftp.ext_openssh_rename(temp, remote, (error) => cb(error, undefined))).catch(
    async (error: unknown) => {
      if (connectionLost(transport, error)) throw error;
      await removeQuietly(sftp, temp);
      if (signal.aborted) throw signal.reason;
      throw new ClusterSshError('SSH_UPLOAD_FAILED', `cannot rename ${temp} to ${remote}: ${(error as Error).message}`, {
        details: { remotePath: remote },
        cause: error,
      });
    },
  );
  return remote;
}

async function writeFrom(
  sftp: SFTPWrapper,
  handle: Buffer,
  file: LocalFile,
  offset: number,
  options: UploadOptions,
  signal: AbortSignal,
  onBytes: (loaded: number) => void,
  stopped: () => unknown,
): Promise<void> {
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const concurrency = options.concurrency ?? 32;
  const local = await open(file.path, 'r');
  try {
    // `concurrency` lanes, each with its own buffer reused for every chunk it sends: read a chunk, write it,
    // take the next. Reads of one lane overlap the writes of the others, and no buffer is allocated per chunk
    // (a fresh 256 KiB buffer per chunk made the transfer about 40 % slower).
    let position = offset;
    let acked = offset;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      while (position < file.size && failure === undefined) {
        if (signal.aborted) throw signal.reason;
        if (stopped() !== undefined) throw stopped();
        const at = position;
        const length = Math.min(chunkBytes, file.size - at);
        position += length;
        const { bytesRead } = await local.read(buffer, 0, length, at);
        if (bytesRead !== length)
          throw new ClusterSshError('SSH_UPLOAD_FAILED', `${file.path} changed during the upload`, { details: { localPath: file.path } });
        await call<undefined>(sftp, signal, (cb) => sftp.write(handle, buffer, 0, length, at, (error) => cb(error, undefined)));
        acked += length;
        onBytes(acked);
      }
    };
    const lanes = Math.max(1, Math.min(concurrency, Math.ceil((file.size - offset) / chunkBytes)));
    await Promise.all(
      Array.from({ length: lanes }, () =>
        lane().catch((error: unknown) => {
          failure ??= error;
        }),
      ),
    );
    if (failure !== undefined) throw failure;
    if (signal.aborted) throw signal.reason;
    if (stopped() !== undefined) throw stopped();
  } finally {
    await local.close();
  }
}

/** Closes a remote handle; on a dead connection the close request is never answered, so it waits 2 s at most. */
async function closeQuietly(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      sftp.close(handle, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Checks the temporary file (of the right size) by the server's digests of its segments, hashed in parallel,
 * against the local file's. Returns 'ok' or what differs.
 */
async function verify(
  transport: UploadTransport,
  temp: string,
  size: number,
  checksum: RemoteChecksum,
  localDigests: Promise<string[]>,
  signal: AbortSignal,
): Promise<'ok' | string> {
  const segment = segmentBytes(size, checksum.jobs);
  const result = await transport.exec(segmentChecksumCommand(temp, checksum, size, segment), { signal });
  const expected = await localDigests;
  const remote = parseSegmentDigests(result, checksum, expected.length, temp);
  const bad = remote.findIndex((digest, i) => digest !== expected[i]);
  if (bad < 0) return 'ok';
  const from = bad * segment;
  return `${checksum.algorithm} of bytes ${from}..${Math.min(size, from + segment)} is ${remote[bad]}, expected ${expected[bad]}`;
}
