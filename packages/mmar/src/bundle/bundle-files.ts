import { MmarError } from '../errors.js';

/**
 * A whole bundle as a map from a POSIX path relative to the bundle root (`configs/train.json`,
 * `models/model.pt`, `docs/README.md`) to its content: text for configurations and docs, bytes for models.
 * The same shape as `MmarFiles`, so the same folder helpers and transfers serve both.
 */
export type BundleFiles = Readonly<Record<string, string | Uint8Array>>;

/** The usual places of a bundle's files, as the MONAI Model Zoo lays them out. */
export const BUNDLE_PATHS = {
  metadata: 'configs/metadata.json',
  logging: 'configs/logging.conf',
  checkpoint: 'models/model.pt',
  torchscript: 'models/model.ts',
  readme: 'docs/README.md',
  license: 'LICENSE',
} as const;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The text of a bundle file, decoding bytes as UTF-8, or undefined when the file is absent (or is neither
 * text nor bytes).
 *
 * @example
 * ```ts
 * const text = bundleText(files, 'configs/train.json');
 * ```
 */
export function bundleText(files: BundleFiles, path: string): string | undefined {
  if (!Object.hasOwn(files, path)) return undefined;
  const content: unknown = files[path];
  if (typeof content === 'string') return content;
  return content instanceof Uint8Array ? decoder.decode(content) : undefined;
}

/**
 * Turns a path as a configuration writes it (`./configs/x.json`, `configs//x.json`) into the bundle-relative
 * POSIX form, or undefined when it leaves the bundle (absolute, `..` above the root, a backslash or NUL).
 *
 * @example
 * ```ts
 * normalizeBundlePath('./configs/train.json'); // 'configs/train.json'
 * normalizeBundlePath('/data/x.json'); // undefined
 * ```
 */
export function normalizeBundlePath(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) return undefined;
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(segment);
  }
  return out.length === 0 ? undefined : out.join('/');
}

/**
 * Checks that a path is a safe relative POSIX path inside the bundle, so that writing never touches anything
 * outside its folder.
 *
 * @throws {MmarError} `MMAR_UNSAFE_PATH` with `details.path`.
 * @example
 * ```ts
 * assertBundlePath('configs/train.json'); // ok
 * assertBundlePath('../x'); // throws MMAR_UNSAFE_PATH
 * ```
 */
export function assertBundlePath(path: string): void {
  if (normalizeBundlePath(path) !== path) {
    throw new MmarError('MMAR_UNSAFE_PATH', `"${path}" is not a relative path inside the bundle`, { details: { path } });
  }
}
