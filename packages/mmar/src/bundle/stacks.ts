import { looksLikeDatalist } from '@medaas/dataset';
import type { BundleConfigDocument } from './bundle-config.js';

// Which configuration files MONAI reads together. The Model Zoo's bundles ship overlays that are only
// meaningful on top of another file: `evaluate` and `multi_gpu_train` extend `train`,
// `multi_gpu_evaluate` extends `train` + `evaluate`, `inference_trt` (and other `inference_*`) extend
// `inference`. Everything else stands alone.

/** The name of a configuration without folder and extension (`configs/multi_gpu_train.json` is `multi_gpu_train`). */
export function configName(path: string): string {
  return (path.split('/').at(-1) ?? '').replace(/\.(json|ya?ml)$/i, '');
}

/** The configuration of a bundle with this name, preferring `.json`, then `.yaml`, then `.yml`. */
export function findConfig(configs: ReadonlyMap<string, BundleConfigDocument>, name: string): string | undefined {
  for (const extension of ['json', 'yaml', 'yml']) {
    const path = `configs/${name}.${extension}`;
    if (configs.has(path)) return path;
  }
  return [...configs.keys()].find((path) => path.startsWith('configs/') && configName(path) === name);
}

/**
 * The files MONAI reads, in order, when a configuration is run: the configuration itself for a standalone
 * one, its base configurations first for an overlay.
 *
 * @example
 * ```ts
 * bundleConfigStack(bundle.configs, 'configs/evaluate.json'); // ['configs/train.json', 'configs/evaluate.json']
 * ```
 */
export function bundleConfigStack(configs: ReadonlyMap<string, BundleConfigDocument>, path: string): string[] {
  const name = configName(path);
  const bases =
    name === 'evaluate' || name === 'multi_gpu_train'
      ? ['train']
      : name === 'multi_gpu_evaluate'
        ? ['train', 'evaluate']
        : name.startsWith('inference_')
          ? ['inference']
          : [];
  const files = bases.map((base) => findConfig(configs, base)).filter((p): p is string => p !== undefined && p !== path);
  return [...files, path];
}

/** Whether a path is a configuration that MONAI runs (not metadata.json, not a data list). */
export function isRunnableConfig(path: string, document: BundleConfigDocument): boolean {
  if (configName(path) === 'metadata' || !path.startsWith('configs/')) return false;
  const value = document.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // A data list (`{"training": [{"image": ...}]}`) is a JSON file under configs/ too, but not a configuration.
  return !looksLikeDatalist(value);
}
