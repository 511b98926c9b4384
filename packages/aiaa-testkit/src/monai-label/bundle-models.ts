import { TestkitError } from '../errors.js';
import type { TestModel } from '../models.js';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The labels of a MONAI bundle from its `configs/metadata.json`: the output's `channel_def`
 * (`{"0": "background", "1": "spleen"}`) in channel order, background left out.
 */
export function bundleLabels(metadata: Record<string, unknown>): string[] {
  const outputs = record(record(metadata['network_data_format'])?.['outputs']);
  const first = outputs ? record(Object.values(outputs)[0]) : undefined;
  const channels = record(first?.['channel_def']);
  if (!channels) return [];
  return Object.entries(channels)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, name]) => String(name))
    .filter((name) => name.toLowerCase() !== 'background');
}

/**
 * The testkit model a bundle folder in `<app>/model/<name>/` serves, as MONAI Label's bundle app makes
 * one infer task (and trainer) per bundle: a learnable segmentation whose weights file is the bundle's
 * `models/model.pt` (the testkit's window-model weights under that name). A bundle named after a built-in
 * model replaces its description and labels and keeps the rest.
 *
 * @throws {@link TestkitError} `TESTKIT_INVALID_MODEL` when metadata.json is not JSON or not a JSON object.
 */
export function bundleModel(name: string, metadataText: string, existing: TestModel | undefined): TestModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadataText);
  } catch (error) {
    throw new TestkitError('TESTKIT_INVALID_MODEL', `configs/metadata.json of bundle ${name} is not JSON: ${(error as Error).message}`, {
      cause: error,
      details: { bundle: name },
    });
  }
  const metadata = record(parsed);
  if (!metadata)
    throw new TestkitError('TESTKIT_INVALID_MODEL', 'configs/metadata.json is not a JSON object', { details: { bundle: name } });
  const labels = bundleLabels(metadata);
  const description = typeof metadata['description'] === 'string' ? metadata['description'] : `MONAI bundle ${name}`;
  const version = typeof metadata['version'] === 'string' ? metadata['version'] : undefined;
  const base: TestModel = existing ?? { name, type: 'segmentation', algorithm: 'window', trainable: true };
  return { ...base, name, description, trainable: true, ...(labels.length > 0 ? { labels } : {}), ...(version ? { version } : {}) };
}
