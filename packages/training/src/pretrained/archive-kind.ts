/** What a downloaded model is: a Clara MMAR (`config/`) or a MONAI bundle (`configs/metadata.json`). */
export type PretrainedKind = 'mmar' | 'bundle';

/**
 * A downloaded model's files by POSIX path relative to its folder: text for configs, scripts and docs,
 * bytes for everything else. The shape of `MmarFiles` and `BundleFiles` of `@medaas/mmar`, so that
 * `parseMmar(files)` / `parseBundle(files)` read it into the typed model as it is.
 */
export type PretrainedFiles = Readonly<Record<string, string | Uint8Array>>;

/**
 * The kind of a model folder from its file list: `mmar` when it has `config/config_train.json` or
 * `config/environment.json`, `bundle` when it has `configs/metadata.json`, else `undefined`.
 *
 * @example
 * ```ts
 * pretrainedKindOf(['configs/metadata.json', 'configs/train.json', 'models/model.pt']); // 'bundle'
 * ```
 */
export function pretrainedKindOf(paths: Iterable<string>): PretrainedKind | undefined {
  const all = new Set(paths);
  if (all.has('config/config_train.json') || all.has('config/environment.json')) return 'mmar';
  if (all.has('configs/metadata.json')) return 'bundle';
  return undefined;
}

// Python modules are text too: bundles keep theirs in scripts/, BYOC MMARs in custom/.
const TEXT = /\.(json|ya?ml|sh|md|txt|conf|py|cfg|ini)$/i;
// Fatal so that a file that is not UTF-8 stays bytes; ignoreBOM keeps a BOM in the text (exact round trips).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Whether a file is read as text: configs, scripts and docs by their extension. */
export function isTextPath(path: string): boolean {
  return TEXT.test(path);
}

/** Text for a text path that is valid UTF-8, else the bytes unchanged (a file that is not UTF-8 stays exact). */
export function fileContent(path: string, bytes: Uint8Array): string | Uint8Array {
  if (!isTextPath(path)) return bytes;
  try {
    return decoder.decode(bytes);
  } catch {
    return bytes;
  }
}
