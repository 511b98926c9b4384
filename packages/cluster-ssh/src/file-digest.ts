import { Worker } from 'node:worker_threads';
import { ClusterSshError } from './errors.js';

/**
 * The worker's code, inline so that it runs the same from the sources and from the bundle: reads the file
 * in 1 MiB blocks and hashes each segment. Off the main thread, because the main thread encrypts and frames
 * the SFTP writes of the same upload and is its bottleneck.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { path, algorithm, size, segmentBytes } = workerData;
const fd = openSync(path, 'r');
try {
  const block = Buffer.allocUnsafe(1 << 20);
  const digests = [];
  for (let start = 0; start < size || (size === 0 && digests.length === 0); start += segmentBytes) {
    const end = Math.min(size, start + segmentBytes);
    const hash = createHash(algorithm);
    for (let at = start; at < end; ) {
      const n = readSync(fd, block, 0, Math.min(block.length, end - at), at);
      if (n === 0) throw new Error('the file is shorter than ' + size + ' bytes: it changed during the upload');
      hash.update(block.subarray(0, n));
      at += n;
    }
    digests.push(hash.digest('hex'));
    if (size === 0) break;
  }
  parentPort.postMessage({ digests });
} finally {
  closeSync(fd);
}
`;

/**
 * The digests of a file's consecutive segments of `segmentBytes` (the last one shorter; one empty segment
 * for an empty file), computed in a worker thread.
 *
 * @throws {@link ClusterSshError} `SSH_UPLOAD_FAILED` naming the file (one that cannot be read, or that shrank
 * while it was read), or `signal.reason` on abort.
 */
export function digestFileSegments(
  path: string,
  algorithm: string,
  size: number,
  segmentBytes: number,
  signal: AbortSignal,
): Promise<string[]> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<string[]>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { path, algorithm, size, segmentBytes } });
    const onAbort = (): void => {
      void worker.terminate();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: { digests: string[] }) => resolve(message.digests));
    // The worker cannot load the SDK's error classes (it runs from a string), so its errors are typed here.
    worker.once('error', (error) =>
      reject(
        new ClusterSshError('SSH_UPLOAD_FAILED', `cannot compute the digest of ${path}: ${error.message}`, {
          cause: error,
          details: { path },
        }),
      ),
    );
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (code !== 0) {
        reject(
          new ClusterSshError('SSH_UPLOAD_FAILED', `the digest worker for ${path} exited with code ${code}`, { details: { path, code } }),
        );
      }
    });
  });
}
