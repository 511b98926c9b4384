import type { CallOptions, ProgressCallback } from '@medaas/core';
import { TrainingError } from '../errors.js';
import type { PretrainedCatalog } from './catalog.js';
import { checkChecksum, type PretrainedChecksum } from './checksum.js';

export type { PretrainedCatalog } from './catalog.js';

/** Which files of the downloaded model {@link downloadPretrained} reads back: text files, every file, or none. */
export type PretrainedRead = 'text' | 'all' | 'none';

/** Options of {@link downloadPretrained}. */
export interface DownloadPretrainedOptions extends CallOptions {
  readonly catalog: PretrainedCatalog;
  /**
   * The model: `ORG/TEAM/NAME`, `ORG/NAME` or `NAME` on NGC (`nvidia/med/clara_pt_spleen_ct_segmentation`),
   * the bundle name in the MONAI zoo (`spleen_ct_segmentation`).
   */
  readonly name: string;
  /** The version to download (`1` on NGC, `0.5.4` in the zoo). Required: it is what makes a second call a no-op. */
  readonly version: string;
  /** The absolute folder on the cluster the model folder goes into, created when missing. */
  readonly destDir: string;
  /** The catalog's command: a name looked up on PATH or an absolute path. Default `ngc`, or `python` for the zoo. */
  readonly tool?: string | undefined;
  /** Variables exported on the cluster before anything runs (e.g. `PATH`, `HOME`, `BUNDLE_DOWNLOAD_SRC`, a proxy). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * An NGC API key for this download when the cluster has none. It reaches `ngc` through its standard input
   * and environment, never a command line, a log or an error.
   */
  readonly ngcApiKey?: string | undefined;
  /**
   * Digests the download must match before it gets its final name. The zoo's `model_info.json` gives one per
   * version for the bundle's zip (see {@link zooChecksum}); NGC lists none, so pass the `file` it covers.
   */
  readonly checksum?: PretrainedChecksum | readonly PretrainedChecksum[] | undefined;
  /** Which files come back in the result's `files`. Default `text` (configs, scripts, docs; no weights). */
  readonly read?: PretrainedRead | undefined;
  /** Reports `download` (bytes, parsed from the tool's output as it streams), then `verify` and `read` (bytes). */
  readonly onProgress?: ProgressCallback | undefined;
  /** Receives each line the catalog's tool prints, as it prints it. */
  readonly onOutput?: ((line: string, stream: 'stdout' | 'stderr') => void) | undefined;
  /** How often the tool's output is read while it runs. Default 500 ms. */
  readonly pollIntervalMs?: number | undefined;
}

/** The checked options, with the names the remote side uses. */
export interface PretrainedPlan {
  readonly catalog: PretrainedCatalog;
  readonly name: string;
  readonly version: string;
  readonly destDir: string;
  /** The model folder's name under `destDir`: `NAME_vVERSION`, one per version. */
  readonly folder: string;
  /** The folder the tool writes inside its destination (`NAME_vVERSION` for NGC, `NAME` for the zoo). */
  readonly toolFolder: string;
  readonly tool: string;
  readonly env: readonly (readonly [string, string])[];
  readonly checksums: readonly PretrainedChecksum[];
  readonly read: PretrainedRead;
  readonly pollIntervalMs: number;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COMMAND_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

function invalid(message: string, details: Record<string, unknown>): TrainingError {
  return new TrainingError('TRAINING_INVALID_OPTIONS', message, { details });
}

/**
 * An absolute POSIX path for the cluster: no NUL, no line break (a path with one could not be named in a
 * command's output line by line), no `..` segment; trailing slashes removed.
 */
export function checkAbsolutePath(path: unknown, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[\0\n\r]/.test(path)) {
    throw invalid(`${what} must be an absolute path without NUL or line breaks, got ${JSON.stringify(path)}`, { [what]: path });
  }
  if (path.split('/').includes('..')) throw invalid(`${what} ${JSON.stringify(path)} contains '..'`, { [what]: path });
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.replace(/\/{2,}/g, '/');
}

function checkName(catalog: PretrainedCatalog, name: unknown): string {
  const segments = typeof name === 'string' ? name.split('/') : [];
  const most = catalog === 'ngc' ? 3 : 1;
  if (typeof name !== 'string' || segments.length > most || !segments.every((s) => SEGMENT.test(s))) {
    const form = catalog === 'ngc' ? 'ORG/TEAM/NAME, ORG/NAME or NAME' : 'one bundle name';
    const hint = typeof name === 'string' && name.includes(':') ? ' (give the version in `version`, not after a colon)' : '';
    throw invalid(`${catalog} model name must be ${form} of letters, digits, '_', '.' and '-', got ${JSON.stringify(name)}${hint}`, {
      catalog,
      name,
    });
  }
  return name;
}

function checkTool(tool: unknown): string {
  if (typeof tool === 'string' && (COMMAND_NAME.test(tool) || (tool.startsWith('/') && !/[\0\n\r]/.test(tool)))) return tool;
  throw invalid(`tool must be a command name or an absolute path, got ${JSON.stringify(tool)}`, { tool });
}

function checkEnv(env: Readonly<Record<string, string>> | undefined): [string, string][] {
  if (env === undefined) return [];
  if (typeof env !== 'object' || env === null) throw invalid('env must be an object of variable names to values', { env: typeof env });
  return Object.entries(env).map(([key, value]) => {
    if (!ENV_NAME.test(key)) throw invalid(`env name ${JSON.stringify(key)} is not a shell variable name`, { name: key });
    if (typeof value !== 'string' || value.includes('\0')) throw invalid(`env ${key} must be a string without NUL`, { name: key });
    return [key, value];
  });
}

/**
 * Checks every option of {@link downloadPretrained} before anything runs: names, versions and paths that
 * could reach a shell or a path outside `destDir` are refused.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` naming the option.
 * @example
 * ```ts
 * checkPretrainedOptions({ catalog: 'monai-zoo', name: 'spleen_ct_segmentation', version: '0.5.4', destDir: '/scratch/me/bundles' }).folder;
 * // 'spleen_ct_segmentation_v0.5.4'
 * ```
 */
export function checkPretrainedOptions(options: DownloadPretrainedOptions): PretrainedPlan {
  if (typeof options !== 'object' || options === null) throw invalid('downloadPretrained needs an options object', {});
  const { catalog } = options;
  if (catalog !== 'ngc' && catalog !== 'monai-zoo')
    throw invalid(`catalog must be 'ngc' or 'monai-zoo', got ${JSON.stringify(catalog)}`, { catalog });
  const name = checkName(catalog, options.name);
  if (typeof options.version !== 'string' || !VERSION.test(options.version)) {
    throw invalid(`version must be letters, digits, '_', '.', '+' and '-', got ${JSON.stringify(options.version)}`, {
      version: options.version,
    });
  }
  const version = options.version;
  const destDir = checkAbsolutePath(options.destDir, 'destDir');
  const base = name.split('/').at(-1) ?? name;
  const folder = `${base}_v${version}`;
  const tool = checkTool(options.tool ?? (catalog === 'ngc' ? 'ngc' : 'python'));
  const env = checkEnv(options.env);
  if (options.ngcApiKey !== undefined) {
    if (catalog !== 'ngc') throw invalid('ngcApiKey is for the ngc catalog only', { catalog });
    // The key itself never goes into details: only that it was unusable.
    if (typeof options.ngcApiKey !== 'string' || options.ngcApiKey === '' || /[\0\n\r]/.test(options.ngcApiKey))
      throw invalid('ngcApiKey must be a non-empty line', {});
  }
  const given =
    options.checksum === undefined ? [] : Array.isArray(options.checksum) ? options.checksum : [options.checksum as PretrainedChecksum];
  const checksums = given.map((c) => checkChecksum(c, catalog));
  const read = options.read ?? 'text';
  if (read !== 'text' && read !== 'all' && read !== 'none')
    throw invalid(`read must be 'text', 'all' or 'none', got ${JSON.stringify(read)}`, { read });
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10) throw invalid('pollIntervalMs must be at least 10', { pollIntervalMs });
  return {
    catalog,
    name,
    version,
    destDir,
    folder,
    toolFolder: catalog === 'ngc' ? folder : name,
    tool,
    env,
    checksums,
    read,
    pollIntervalMs,
  };
}
