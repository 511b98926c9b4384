import { formatJsonPointer, isMedaasError } from '@medaas/core';
import type { MmarIssue } from '../findings.js';
import type { JsonValue } from '../json-edit.js';
import { assembleBundle, resolveBundle, type Bundle } from './bundle.js';
import { bundleConfigFormat, parseBundleConfig, type BundleConfigDocument } from './bundle-config.js';
import { BUNDLE_PATHS, bundleText, type BundleFiles } from './bundle-files.js';
import { toIssues, type BundleIssueDraft } from './bundle-findings.js';
import { classCountSites } from './class-count.js';
import { childId } from './ids.js';
import { isPlainObject } from './plain-values.js';
import type { BundleResolution } from './resolution.js';
import { bundleConfigStack, isRunnableConfig } from './stacks.js';
import { staticValue } from './static-value.js';

/** Options of {@link validateBundle}. */
export interface ValidateBundleOptions {
  /**
   * Checks that a data path exists (`dataset_dir`, `data_list_file_path`, `datalist`...). Relative paths are
   * passed as written, relative to the bundle root. Without it, data paths are not checked.
   */
  readonly fileExists?: (path: string) => boolean;
  /** The command-line overrides the bundle will run with (e.g. `{ dataset_dir: '/data/Task09_Spleen' }`). */
  readonly overrides?: Readonly<Record<string, JsonValue>>;
}

const REQUIRED_METADATA: readonly [string, 'string' | 'object'][] = [
  ['version', 'string'],
  ['changelog', 'object'],
  ['monai_version', 'string'],
  ['pytorch_version', 'string'],
  ['numpy_version', 'string'],
  ['optional_packages_version', 'object'],
  ['task', 'string'],
  ['description', 'string'],
  ['authors', 'string'],
  ['copyright', 'string'],
  ['network_data_format', 'object'],
];

/** Top-level ids that hold a path to data, in the Model Zoo's spelling. */
const DATA_PATH_IDS = [
  'dataset_dir',
  'data_dir',
  'data_root',
  'data_file_base_dir',
  'data_list_file_path',
  'datalist',
  'dataset_json',
  'train_json',
  'val_json',
];

/** Keys whose value, when written as an object, must be a component. */
const COMPONENT_KEYS = new Set([
  'network_def',
  'optimizer',
  'loss',
  'inferer',
  'trainer',
  'evaluator',
  'dataset',
  'dataloader',
  'preprocessing',
  'postprocessing',
  'lr_scheduler',
]);
/** Keys whose list items, when objects, must be components. */
const COMPONENT_LIST_KEYS = new Set(['transforms', 'handlers', 'train_handlers', 'val_handlers']);

function checkMetadata(bundle: Bundle, drafts: BundleIssueDraft[]): void {
  const document = bundle.configs.get(BUNDLE_PATHS.metadata);
  const file = BUNDLE_PATHS.metadata;
  if (!document) {
    if (!Object.hasOwn(bundle.files, file))
      drafts.push({
        severity: 'error',
        code: 'MMAR_MISSING_FILE',
        location: { file, pointer: '' },
        message: `${file} is missing; MONAI's bundle tools need it`,
      });
    return;
  }
  const value = document.value;
  if (!isPlainObject(value)) {
    drafts.push({
      severity: 'error',
      code: 'MMAR_INVALID_CONFIG',
      location: { file, pointer: '' },
      message: 'metadata.json must be an object',
    });
    return;
  }
  for (const [key, type] of REQUIRED_METADATA) {
    const item = value[key];
    const pointer = formatJsonPointer([key]);
    if (item === undefined)
      drafts.push({ severity: 'error', code: 'MMAR_INVALID_CONFIG', location: { file, pointer }, message: `metadata.json lacks "${key}"` });
    else if (type === 'string' ? typeof item !== 'string' : !isPlainObject(item)) {
      drafts.push({
        severity: 'error',
        code: 'MMAR_INVALID_CONFIG',
        location: { file, pointer },
        message: `"${key}" must be ${type === 'string' ? 'a string' : 'an object'}`,
      });
    }
  }
  const ndf = value.network_data_format;
  if (isPlainObject(ndf)) {
    for (const side of ['inputs', 'outputs']) {
      if (!isPlainObject(ndf[side]))
        drafts.push({
          severity: 'error',
          code: 'MMAR_INVALID_CONFIG',
          location: { file, pointer: `/network_data_format/${side}` },
          message: `network_data_format lacks the "${side}" object`,
        });
    }
  }
}

function checkComponents(resolution: BundleResolution, drafts: BundleIssueDraft[]): void {
  const stack: { id: string; key: string; value: unknown; inList: boolean }[] = Object.entries(resolution.root).map(([id, value]) => ({
    id,
    key: id,
    value,
    inList: false,
  }));
  while (stack.length > 0) {
    const { id, key, value, inList } = stack.pop() as (typeof stack)[number];
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        stack.push({ id: childId(id, index), key: String(index), value: item, inList: COMPONENT_LIST_KEYS.has(key) }),
      );
      continue;
    }
    const record = value as Record<string, unknown>;
    const location = resolution.locate(id);
    if ('_target_' in record) {
      const target = record._target_;
      if (typeof target !== 'string' || target.trim() === '') {
        drafts.push({
          severity: 'error',
          code: 'MMAR_MISSING_TARGET',
          location: resolution.locate(childId(id, '_target_')),
          message: `the component "${id}" has ${typeof target === 'string' ? 'an empty' : 'a non-string'} _target_`,
        });
      }
      const mode = record._mode_;
      if (mode !== undefined && !['default', 'callable', 'debug'].includes(String(mode))) {
        drafts.push({
          severity: 'warning',
          code: 'MMAR_INVALID_CONFIG',
          location: resolution.locate(childId(id, '_mode_')),
          message: `_mode_ "${String(mode)}" is none of default, callable, debug`,
        });
      }
    } else if (['_disabled_', '_requires_', '_mode_', '_desc_'].some((k) => k in record)) {
      drafts.push({
        severity: 'error',
        code: 'MMAR_MISSING_TARGET',
        location,
        message: `"${id}" has component keys (_disabled_, _requires_, _mode_, _desc_) but no _target_`,
      });
    } else if (inList || COMPONENT_KEYS.has(key)) {
      drafts.push({
        severity: 'error',
        code: 'MMAR_MISSING_TARGET',
        location,
        message: `"${id}" is where a component is expected, but it has no _target_`,
      });
    }
    for (const [child, item] of Object.entries(record)) stack.push({ id: childId(id, child), key: child, value: item, inList: false });
  }
}

function checkDataPaths(resolution: BundleResolution, fileExists: (path: string) => boolean, drafts: BundleIssueDraft[]): void {
  for (const id of DATA_PATH_IDS) {
    if (!resolution.has(id)) continue;
    const path = staticValue(resolution, id);
    if (typeof path !== 'string' || path === '') continue;
    let exists: boolean;
    try {
      exists = fileExists(path);
    } catch {
      exists = false;
    }
    if (!exists)
      drafts.push({
        severity: 'error',
        code: 'MMAR_DATA_PATH_MISSING',
        location: resolution.locate(id),
        message: `"${id}" is ${path}, which does not exist`,
      });
  }
}

function checkClassCounts(bundle: Bundle, resolution: BundleResolution, drafts: BundleIssueDraft[]): void {
  const channels = bundle.metadata?.channels.length ?? 0;
  if (channels === 0) return;
  for (const site of classCountSites(resolution)) {
    if (site.count === undefined || site.count === channels) continue;
    drafts.push({
      severity: 'error',
      code: 'MMAR_OUT_CLASSES_MISMATCH',
      location: resolution.locate(site.id),
      message: `"${site.id}" is ${site.count}, but metadata.json's ${bundle.metadata?.labelsOutput ?? 'output'} channel_def names ${channels} channels (${bundle.metadata?.channels.join(', ')})`,
    });
  }
}

function parseTolerant(files: BundleFiles, positions: MmarIssue[]): Map<string, BundleConfigDocument> {
  const configs = new Map<string, BundleConfigDocument>();
  for (const path of Object.keys(files).sort()) {
    if (!path.startsWith('configs/') || bundleConfigFormat(path) === undefined) continue;
    const text = bundleText(files, path);
    if (text === undefined) {
      positions.push({
        severity: 'error',
        code: 'MMAR_INVALID_CONFIG',
        file: path,
        pointer: '',
        message: `${path}: the content is neither text nor bytes`,
      });
      continue;
    }
    try {
      configs.set(path, parseBundleConfig(text, { file: path }));
    } catch (error) {
      if (!isMedaasError(error, 'MMAR_INVALID_JSON') && !isMedaasError(error, 'MMAR_INVALID_YAML')) throw error;
      const details = error.details as { line?: number; column?: number };
      positions.push({
        severity: 'error',
        code: error.code,
        file: path,
        pointer: '',
        message: error.message,
        ...(details.line === undefined ? {} : { line: details.line, column: details.column as number }),
      });
    }
  }
  return configs;
}

/**
 * Checks a bundle the way MONAI would fail on it, without Python: metadata.json present with its required
 * keys, configurations that parse, every `@` reference and `%` macro pointing at something (across the
 * files MONAI reads together, e.g. train + evaluate), no reference cycles, components with a `_target_`,
 * data paths that exist (given `fileExists`), and the number of output channels agreeing with metadata's
 * `channel_def`. Returns findings with file, JSON pointer, line and column; never throws for a bad bundle.
 *
 * @param bundle - a parsed bundle, or its files (then configurations that do not parse become findings).
 * @example
 * ```ts
 * const issues = validateBundle(files, { fileExists: existsSync, overrides: { dataset_dir: '/data/spleen' } });
 * for (const i of issues) console.log(`${i.file}:${i.line}:${i.column} ${i.code} ${i.message}`);
 * ```
 */
export function validateBundle(bundle: Bundle | BundleFiles, options: ValidateBundleOptions = {}): MmarIssue[] {
  const drafts: BundleIssueDraft[] = [];
  const parseIssues: MmarIssue[] = [];
  const isBundle = (value: Bundle | BundleFiles): value is Bundle => 'configs' in value && value.configs instanceof Map && 'files' in value;
  const parsed = isBundle(bundle) ? bundle : assembleBundle(bundle, parseTolerant(bundle, parseIssues));
  const broken = new Set(parseIssues.map((i) => i.file));
  checkMetadata(parsed, drafts);
  if (!parsed.trainConfig && !parsed.inferenceConfig && !broken.size) {
    drafts.push({
      severity: 'warning',
      code: 'MMAR_MISSING_FILE',
      location: { file: 'configs/train.json', pointer: '' },
      message: 'the bundle has neither a training nor an inference configuration',
    });
  }
  for (const [path, document] of parsed.configs) {
    if (!isRunnableConfig(path, document)) continue;
    const stack = bundleConfigStack(parsed.configs, path);
    // A run that reads (or copies from) a file that does not parse is not checked further: its parse finding says why.
    const copiesFromBroken = (file: string): boolean => [...broken].some((b) => parsed.configs.get(file)?.text.includes(`%${b}`) === true);
    if (stack.some((file) => broken.has(file) || copiesFromBroken(file))) continue;
    const resolution = resolveBundle(parsed, { configFiles: stack, ...(options.overrides ? { overrides: options.overrides } : {}) });
    drafts.push(...resolution.drafts);
    checkComponents(resolution, drafts);
    if (options.fileExists) checkDataPaths(resolution, options.fileExists, drafts);
    checkClassCounts(parsed, resolution, drafts);
  }
  return [...parseIssues, ...toIssues(drafts, parsed.configs, parsed.trainConfig ?? BUNDLE_PATHS.metadata)];
}
