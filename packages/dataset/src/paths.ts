import { DatasetError } from './errors.js';

/**
 * Whether a path is absolute, POSIX (`/data`) or Windows (`C:/data`, `C:\data`).
 *
 * @example
 * ```ts
 * isAbsolutePath('/data/spleen'); // true
 * ```
 */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}

/**
 * Collapses `.`, `..` and repeated slashes; a relative result may start with `..` segments.
 *
 * @example
 * ```ts
 * normalizePath('./imagesTr//x/../a.nii.gz'); // 'imagesTr/a.nii.gz'
 * ```
 */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const drive = /^[A-Za-z]:/.exec(path)?.[0] ?? '';
  const out: string[] = [];
  for (const segment of path.slice(drive.length).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out.at(-1) !== '..') out.pop();
    else if (segment === '..' && (absolute || drive)) continue;
    else out.push(segment);
  }
  const body = out.join('/');
  return drive + (absolute || drive ? '/' : '') + body;
}

/** How {@link resolveDataPath} writes a path. */
export type PathStyle = 'relative' | 'absolute';

/**
 * Writes a data path the way a data list stores it: relative to `dataRoot` (Clara joins it with
 * `DATA_ROOT`) or absolute under it. A path that would leave the root is refused, so a data list can never
 * point training at files outside the data it describes.
 *
 * @param path - relative to `dataRoot`, or absolute.
 * @param options - `dataRoot` (needed for absolute paths either way) and the `style` to write (default relative).
 * @throws {DatasetError} `DATASET_PATH_ESCAPES_ROOT` for `..` above the root or an absolute path outside it;
 *   `DATASET_INVALID_ARGUMENT` for an absolute path, or absolute style, without `dataRoot`, or an empty path.
 * @example
 * ```ts
 * resolveDataPath('/data/spleen/imagesTr/a.nii.gz', { dataRoot: '/data/spleen' }); // 'imagesTr/a.nii.gz'
 * resolveDataPath('./imagesTr/a.nii.gz', { dataRoot: '/data/spleen', style: 'absolute' }); // '/data/spleen/imagesTr/a.nii.gz'
 * resolveDataPath('../other/a.nii.gz', {}); // throws DATASET_PATH_ESCAPES_ROOT
 * ```
 */
export function resolveDataPath(path: string, options: { readonly dataRoot?: string; readonly style?: PathStyle } = {}): string {
  const { dataRoot, style = 'relative' } = options;
  if (typeof path !== 'string' || path.trim() === '' || path.includes('\0')) {
    throw new DatasetError('DATASET_INVALID_ARGUMENT', `not a usable path: ${JSON.stringify(path)}`, { details: { path } });
  }
  const root = dataRoot === undefined ? undefined : normalizePath(dataRoot);
  let relative: string;
  if (isAbsolutePath(path)) {
    if (root === undefined) {
      if (style === 'absolute') return normalizePath(path);
      throw new DatasetError('DATASET_INVALID_ARGUMENT', `${path} is absolute; give dataRoot to write it relative to DATA_ROOT`, {
        details: { path },
      });
    }
    const normalized = normalizePath(path);
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (!normalized.startsWith(prefix)) {
      throw new DatasetError('DATASET_PATH_ESCAPES_ROOT', `${path} is outside DATA_ROOT ${dataRoot}`, { details: { path, dataRoot } });
    }
    relative = normalized.slice(prefix.length);
  } else {
    relative = normalizePath(path);
    if (relative === '..' || relative.startsWith('../')) {
      throw new DatasetError('DATASET_PATH_ESCAPES_ROOT', `${path} leaves DATA_ROOT${dataRoot === undefined ? '' : ` ${dataRoot}`}`, {
        details: { path, dataRoot },
      });
    }
  }
  if (relative === '')
    throw new DatasetError('DATASET_INVALID_ARGUMENT', `${path} is DATA_ROOT itself, not a file under it`, { details: { path, dataRoot } });
  if (style === 'relative') return relative;
  if (root === undefined) throw new DatasetError('DATASET_INVALID_ARGUMENT', 'absolute paths need dataRoot', { details: { path } });
  return `${root.replace(/\/$/, '')}/${relative}`;
}
