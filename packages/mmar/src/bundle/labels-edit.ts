import { formatJsonPointer } from '@medaas/core';
import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { distinctEdits, editBundle, type BundleEdit } from './bundle-edit.js';
import { resolveBundle, type Bundle } from './bundle.js';
import { BUNDLE_PATHS } from './bundle-files.js';
import { classCountSites } from './class-count.js';
import { isPlainObject } from './plain-values.js';
import { bundleConfigStack, isRunnableConfig } from './stacks.js';
import { definitionSite } from './static-value.js';

/** Options of {@link setBundleLabels}. */
export interface SetBundleLabelsOptions {
  /** Whether channel 0 is `background`. Default: as metadata.json's `channel_def` has it, else yes. */
  readonly background?: boolean;
}

/**
 * Sets the labels a bundle predicts and makes every class count agree: metadata.json's output `channel_def`
 * (and its `num_channels`), the network's `out_channels` / `num_classes` and post-processing's `to_onehot` /
 * `num_classes` in every configuration (following `@num_classes`-style references to where the number is
 * written), and a DeepEdit `label_names` map (then `$len(@label_names)` counts follow by themselves).
 * Counts written as other expressions are left alone.
 *
 * @param labels - foreground names in output-channel order, e.g. `['liver', 'tumour']`.
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` for no labels, an empty or a repeated name;
 *   `MMAR_MISSING_FILE` without `configs/metadata.json`.
 * @example
 * ```ts
 * const edited = setBundleLabels(bundle, ['spleen', 'accessory spleen']); // 3 channels everywhere
 * ```
 */
export function setBundleLabels(bundle: Bundle, labels: readonly string[], options: SetBundleLabelsOptions = {}): Bundle {
  if (
    !Array.isArray(labels) ||
    labels.length === 0 ||
    labels.some((l) => typeof l !== 'string' || l.trim() === '') ||
    new Set(labels).size !== labels.length
  ) {
    throw new MmarError('MMAR_INVALID_ARGUMENT', 'labels must be distinct, non-empty names', { details: { labels } });
  }
  const metadata = bundle.metadata;
  if (!metadata)
    throw new MmarError('MMAR_MISSING_FILE', `${BUNDLE_PATHS.metadata} is missing`, { details: { file: BUNDLE_PATHS.metadata } });
  const background = options.background ?? (metadata.channels.length > 0 ? metadata.channels[0]?.toLowerCase() === 'background' : true);
  const names = background ? ['background', ...labels] : [...labels];
  const count = names.length;
  const edits: BundleEdit[] = [];
  const output = metadata.labelsOutput ?? Object.keys(metadata.outputs)[0] ?? 'pred';
  const outputPointer = formatJsonPointer(['network_data_format', 'outputs', output]);
  const channelDef: Record<string, JsonValue> = Object.fromEntries(names.map((name, index) => [String(index), name]));
  edits.push({ file: BUNDLE_PATHS.metadata, pointer: `${outputPointer}/channel_def`, value: channelDef });
  if (metadata.outputs[output]?.numChannels !== undefined)
    edits.push({ file: BUNDLE_PATHS.metadata, pointer: `${outputPointer}/num_channels`, value: count });

  for (const [path, document] of bundle.configs) {
    if (!isRunnableConfig(path, document)) continue;
    const resolution = resolveBundle(bundle, { configFiles: bundleConfigStack(bundle.configs, path) });
    for (const site of classCountSites(resolution)) {
      const location = site.definition?.location;
      if (!site.definition || !location || location.file === '<overrides>' || typeof resolution.raw(site.definition.id) !== 'number')
        continue;
      edits.push({ file: location.file, pointer: location.pointer, value: count });
    }
    const labelNames = definitionSite(resolution, 'label_names');
    const current = labelNames ? resolution.raw(labelNames.id) : undefined;
    if (
      labelNames?.location &&
      labelNames.location.file !== '<overrides>' &&
      isPlainObject(current) &&
      Object.values(current).every((v) => typeof v === 'number')
    ) {
      const backgroundLast = Object.keys(current).at(-1)?.toLowerCase() === 'background';
      const foreground = labels.map((name, index) => [name, index + 1] as const);
      const entries = background
        ? backgroundLast
          ? [...foreground, ['background', 0] as const]
          : [['background', 0] as const, ...foreground]
        : labels.map((name, index) => [name, index] as const);
      edits.push({ file: labelNames.location.file, pointer: labelNames.location.pointer, value: Object.fromEntries(entries) });
    }
  }
  return editBundle(bundle, distinctEdits(edits));
}
