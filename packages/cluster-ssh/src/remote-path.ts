import { posix } from 'node:path';
import { ClusterSshError } from './errors.js';

/**
 * Checks a remote path given by a caller: not empty, no NUL, no `..` segment. Paths are POSIX; a
 * relative path is relative to the login directory.
 *
 * @throws {ClusterSshError} `SSH_PATH_ESCAPE` for a `..` segment, `SSH_INVALID_ARGUMENT` otherwise.
 * @example
 * ```ts
 * checkRemotePath('projects/liver/imagesTr'); // ok
 * ```
 */
export function checkRemotePath(path: string, what = 'remote path'): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new ClusterSshError('SSH_INVALID_ARGUMENT', `${what} must be a non-empty string without NUL bytes`, { details: { path } });
  }
  if (path.split('/').includes('..')) {
    throw new ClusterSshError('SSH_PATH_ESCAPE', `${what} ${JSON.stringify(path)} contains '..'`, { details: { path } });
  }
  return posix.normalize(path).replace(/(.)\/$/, '$1');
}

/**
 * Whether `path` is `root` or lies beneath it (both absolute and normalised).
 *
 * @example
 * ```ts
 * isWithin('/data/a', '/data/a/b.nii.gz'); // true
 * isWithin('/data/a', '/data/ab');         // false
 * ```
 */
export function isWithin(root: string, path: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}
