import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { bundleConfigFormat, parseBundleConfig, type BundleConfigDocument } from './bundle-config.js';
import { BUNDLE_PATHS, bundleText, type BundleFiles } from './bundle-files.js';
import { bundleMetadataView, type BundleMetadata } from './metadata.js';
import { buildResolution, type BundleResolution } from './resolution.js';
import { bundleConfigStack, findConfig } from './stacks.js';
import { isPlainObject } from './plain-values.js';

/**
 * A MONAI bundle: its files exactly as read, every configuration parsed (`configs/*.json|yaml|yml`), a typed
 * view of `configs/metadata.json`, and what the labels and voxel spacing are.
 */
export interface Bundle {
  /** Every file, unchanged; what `writeBundle` writes. */
  readonly files: BundleFiles;
  /** The parsed configurations by bundle path, metadata.json included. */
  readonly configs: ReadonlyMap<string, BundleConfigDocument>;
  /** The typed metadata, or undefined when `configs/metadata.json` is absent. */
  readonly metadata: BundleMetadata | undefined;
  /** The training configuration's path (`configs/train.json` or `.yaml`), when there is one. */
  readonly trainConfig: string | undefined;
  /** The inference configuration's path, when there is one. */
  readonly inferenceConfig: string | undefined;
  /** Foreground labels in channel order: from metadata's `channel_def`, else a `label_names` map (DeepEdit). */
  readonly labels: readonly string[];
  /** Voxel spacing in mm: from metadata, else the `pixdim` of the first `Spacingd` of inference or training. */
  readonly spacingMm: readonly number[] | undefined;
}

/** Options of {@link resolveBundle}. */
export interface ResolveBundleOptions {
  /** The files MONAI reads, in order. Default: the training configuration (else inference) and, for an overlay, its bases. */
  readonly configFiles?: readonly string[];
  /** Command-line overrides (`--epochs 10` is `{ epochs: 10 }`), applied after the files. */
  readonly overrides?: Readonly<Record<string, JsonValue>>;
}

/**
 * Parses every configuration of a bundle. Other files (models, docs, `logging.conf`) stay as they are.
 *
 * @param files - the bundle by POSIX relative path, as `readBundle` returns it.
 * @throws {MmarError} `MMAR_INVALID_JSON` / `MMAR_INVALID_YAML` (with file, line and column) for a configuration
 *   that does not parse; `MMAR_INVALID_ARGUMENT` for content that is neither a string nor bytes. `validateBundle` takes the files too and reports those as findings instead.
 * @example
 * ```ts
 * const bundle = parseBundle(files);
 * bundle.metadata?.monaiVersion; // '1.3.0'
 * bundle.labels; // ['spleen']
 * ```
 */
export function parseBundle(files: BundleFiles): Bundle {
  const configs = new Map<string, BundleConfigDocument>();
  for (const path of Object.keys(files).sort()) {
    if (!path.startsWith('configs/') || bundleConfigFormat(path) === undefined) continue;
    const text = bundleText(files, path);
    if (text === undefined)
      throw new MmarError('MMAR_INVALID_ARGUMENT', `${path}: the content is neither text nor bytes`, { details: { file: path } });
    configs.set(path, parseBundleConfig(text, { file: path }));
  }
  return assembleBundle(files, configs);
}

/** Builds a bundle from configurations already parsed (those that failed are simply absent). */
export function assembleBundle(files: BundleFiles, configs: ReadonlyMap<string, BundleConfigDocument>): Bundle {
  const metadataDocument = configs.get(BUNDLE_PATHS.metadata);
  const metadata = metadataDocument ? bundleMetadataView(metadataDocument.value) : undefined;
  const trainConfig = findConfig(configs, 'train');
  const inferenceConfig = findConfig(configs, 'inference');
  const partial = { files, configs, metadata, trainConfig, inferenceConfig };
  return Object.freeze({ ...partial, labels: findLabels(partial), spacingMm: metadata?.spacingMm ?? findSpacing(partial) });
}

type BundleBase = Pick<Bundle, 'files' | 'configs' | 'metadata' | 'trainConfig' | 'inferenceConfig'>;

function findLabels(bundle: BundleBase): readonly string[] {
  if (bundle.metadata && bundle.metadata.channels.length > 0) return bundle.metadata.labels;
  for (const path of [bundle.trainConfig, bundle.inferenceConfig]) {
    const names = path === undefined ? undefined : (bundle.configs.get(path)?.value as Record<string, unknown> | undefined)?.label_names;
    if (isPlainObject(names)) {
      return Object.entries(names)
        .filter(([name, index]) => typeof index === 'number' && name.toLowerCase() !== 'background')
        .sort(([, a], [, b]) => (a as number) - (b as number))
        .map(([name]) => name);
    }
  }
  return [];
}

function findSpacing(bundle: BundleBase): readonly number[] | undefined {
  for (const path of [bundle.inferenceConfig, bundle.trainConfig]) {
    if (path === undefined) continue;
    const resolution = resolveBundle(bundle, { configFiles: [path] });
    for (const component of resolution.components) {
      if (!/(^|\.)Spacingd?$/.test(component.target)) continue;
      try {
        const pixdim = resolution.resolve(`${component.id}#pixdim`);
        if (Array.isArray(pixdim) && pixdim.length > 0 && pixdim.every((v) => typeof v === 'number')) return pixdim as number[];
      } catch {
        // A broken reference is validateBundle's to report; the spacing is then simply not known.
      }
    }
  }
  return undefined;
}

/**
 * The configuration of one run of a bundle as MONAI resolves it: the files merged in order (with `#` keys
 * replacing nested values), overrides applied, metadata as `_meta_`, macros copied and relative ids made
 * absolute; components, expressions and references listed; `resolve(id)` follows `@` references.
 *
 * @throws {MmarError} `MMAR_MISSING_FILE` when a named configuration file is not part of the bundle.
 * @example
 * ```ts
 * const run = resolveBundle(bundle);
 * run.resolve('network_def#out_channels'); // 2, even when written as "@num_classes"
 * run.components.map((c) => c.target); // ['UNet', 'SupervisedTrainer', ...]
 * ```
 */
export function resolveBundle(
  bundle: Pick<Bundle, 'configs' | 'trainConfig' | 'inferenceConfig'>,
  options: ResolveBundleOptions = {},
): BundleResolution {
  const main = bundle.trainConfig ?? bundle.inferenceConfig;
  const configFiles = options.configFiles ?? (main === undefined ? [] : bundleConfigStack(bundle.configs, main));
  const files = configFiles.map((path) => {
    const document = bundle.configs.get(path);
    if (!document) throw new MmarError('MMAR_MISSING_FILE', `${path} is not a configuration of the bundle`, { details: { file: path } });
    return document;
  });
  const metadata = bundle.configs.get(BUNDLE_PATHS.metadata);
  return buildResolution({
    files,
    configs: bundle.configs,
    ...(metadata ? { metadata } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}
