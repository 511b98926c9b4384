import type { ConfigAiaa } from './config-aiaa.js';
import type { ConfigDocument } from './config-document.js';
import { parseConfig } from './config-edit.js';
import type { ConfigTrain } from './config-train.js';
import type { Environment, ParseConfigOptions } from './environment.js';
import { MmarError } from './errors.js';
import type { MmarGeneration } from './generation.js';
import { configKindOf, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';

/**
 * A whole MMAR, read: every file as it is (`files`, what `writeMmar` writes back byte for byte) and every
 * configuration file parsed into its typed document (`configs`), with shortcuts to the ones most tools
 * need. Immutable: edits return a new archive whose unchanged documents are the same objects.
 */
export interface MmarArchive {
  /** Every file by MMAR-relative POSIX path: configs, scripts and docs as text, models as bytes. */
  readonly files: MmarFiles;
  /** Every configuration under `config/` that has a kind (see `configKindOf`), parsed, by path. */
  readonly configs: ReadonlyMap<string, ConfigDocument<unknown>>;
  /** `config/environment.json`. */
  readonly environment: ConfigDocument<Environment> | undefined;
  /** The training configuration `train.sh` runs: `config/config_train.json`, else the only training configuration. */
  readonly train: ConfigDocument<ConfigTrain> | undefined;
  /** `config/config_aiaa.json`. */
  readonly aiaa: ConfigDocument<ConfigAiaa> | undefined;
  /** The generation of the training configuration (else of the first configuration that tells). */
  readonly generation: MmarGeneration;
}

/** What the MMAR functions take: a read archive, or the plain map of files. */
export type MmarInput = MmarArchive | MmarFiles;

const archives = new WeakSet<object>();

/**
 * Whether a value is an archive made by {@link parseMmar} (or `readMmar`), rather than a map of files.
 *
 * @example
 * ```ts
 * isMmarArchive(parseMmar(files)); // true
 * isMmarArchive(files); // false
 * ```
 */
export function isMmarArchive(value: unknown): value is MmarArchive {
  return typeof value === 'object' && value !== null && archives.has(value);
}

/**
 * The files of an archive, or the map itself.
 *
 * @example
 * ```ts
 * const files = mmarFilesOf(archive);
 * ```
 */
export function mmarFilesOf(mmar: MmarInput): MmarFiles {
  return isMmarArchive(mmar) ? mmar.files : (mmar as MmarFiles);
}

/**
 * The training configurations of an MMAR (every `config/` file of kind `train`), in path order.
 *
 * @example
 * ```ts
 * trainConfigPaths(files); // ['config/config_train.json', 'config/config_train_smartcache.json', 'config/trn_autoML.json']
 * ```
 */
export function trainConfigPaths(mmar: MmarInput): string[] {
  return Object.keys(mmarFilesOf(mmar))
    .filter((path) => path.startsWith('config/') && configKindOf(path) === 'train')
    .sort();
}

/**
 * The training configuration that training runs by default: `config/config_train.json` when present,
 * else the only training configuration of the MMAR.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` when the MMAR has no training configuration;
 *   `MMAR_AMBIGUOUS_CONFIG` (with `details.candidates`) when it has several and none is `config_train.json`.
 * @example
 * ```ts
 * mainTrainConfigPath({ 'config/trn_base.json': '{}' }); // 'config/trn_base.json'
 * ```
 */
export function mainTrainConfigPath(mmar: MmarInput): string {
  const files = mmarFilesOf(mmar);
  if (Object.hasOwn(files, MMAR_PATHS.train)) return MMAR_PATHS.train;
  const candidates = trainConfigPaths(files);
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0)
    throw new MmarError('MMAR_MISSING_FILE', `the MMAR has no training configuration (${MMAR_PATHS.train})`, {
      details: { file: MMAR_PATHS.train },
    });
  throw new MmarError(
    'MMAR_AMBIGUOUS_CONFIG',
    `the MMAR has ${candidates.length} training configurations and no ${MMAR_PATHS.train}; name the one to use`,
    {
      details: { candidates },
    },
  );
}

function firstTelling(configs: ReadonlyMap<string, ConfigDocument<unknown>>, train: ConfigDocument<unknown> | undefined): MmarGeneration {
  if (train && train.generation !== 'unknown') return train.generation;
  for (const document of configs.values()) if (document.generation !== 'unknown') return document.generation;
  return 'unknown';
}

function build(files: MmarFiles, previous: MmarArchive | undefined, options: ParseConfigOptions): MmarArchive {
  const configs = new Map<string, ConfigDocument<unknown>>();
  for (const path of Object.keys(files).sort()) {
    const kind = path.startsWith('config/') ? configKindOf(path) : undefined;
    if (!kind) continue;
    const reuse = previous?.files[path] === files[path] ? previous?.configs.get(path) : undefined;
    configs.set(path, reuse ?? parseConfig(kind, mmarText(files, path) ?? '', { ...options, file: path }));
  }
  let trainPath: string | undefined;
  try {
    trainPath = mainTrainConfigPath(files);
  } catch {
    trainPath = undefined; // none, or several: `train` stays unset and the caller names one
  }
  const train = trainPath === undefined ? undefined : (configs.get(trainPath) as ConfigDocument<ConfigTrain> | undefined);
  const environment = configs.get(MMAR_PATHS.environment) as ConfigDocument<Environment> | undefined;
  const aiaa = configs.get(MMAR_PATHS.aiaa) as ConfigDocument<ConfigAiaa> | undefined;
  const archive: MmarArchive = Object.freeze({ files, configs, environment, train, aiaa, generation: firstTelling(configs, train) });
  archives.add(archive);
  return archive;
}

/**
 * Reads an MMAR's files into the typed model: every configuration parsed (any Clara generation, unknown
 * shapes kept and reported as `findings`), the files kept exactly as given.
 *
 * @param files - the MMAR's files by relative path (what `readMmarFiles` returns, or built in code).
 * @throws {MmarError} `MMAR_INVALID_JSON` naming the file, line and column of a configuration that is not
 *   JSON; with `strict`, `MMAR_INVALID_CONFIG` for values Clara cannot use.
 * @example
 * ```ts
 * const archive = parseMmar(files);
 * archive.train?.generation; // 'clara4'
 * archive.aiaa?.value.labels; // ['spleen']
 * ```
 */
export function parseMmar(files: MmarFiles, options: ParseConfigOptions = {}): MmarArchive {
  return build(files, undefined, options);
}

/**
 * The archive with some files replaced (or added); configurations whose text did not change keep
 * their documents. A `undefined` content removes the file.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` when a replaced configuration is not JSON.
 * @example
 * ```ts
 * const edited = withMmarFiles(archive, { 'config/config_train.json': setEpochs(archive.train!, 10).text });
 * ```
 */
export function withMmarFiles(archive: MmarArchive, changes: Readonly<Record<string, string | Uint8Array | undefined>>): MmarArchive {
  const files: Record<string, string | Uint8Array> = { ...archive.files };
  for (const [path, content] of Object.entries(changes)) {
    if (content === undefined) delete files[path];
    else files[path] = content;
  }
  return build(files, archive, {});
}

/**
 * The archive with an edited configuration document in place of the file it was read from.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when the document's file is not a configuration path.
 * @example
 * ```ts
 * const edited = withConfig(archive, setEpochs(archive.train!, 10));
 * ```
 */
export function withConfig(archive: MmarArchive, document: ConfigDocument<unknown>): MmarArchive {
  if (!document.file.startsWith('config/') || configKindOf(document.file) !== document.kind) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', `${document.file} is not where a ${document.kind} configuration of an MMAR lives`, {
      details: { file: document.file, kind: document.kind },
    });
  }
  return withMmarFiles(archive, { [document.file]: document.text });
}

/** Returns `files` as the same kind of value as `input`: an archive for an archive, else the map. */
export function sameShape<M extends MmarInput>(input: M, files: MmarFiles): M {
  return (isMmarArchive(input) ? build(files, input, {}) : files) as M;
}
