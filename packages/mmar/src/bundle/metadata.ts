import { isPlainObject } from './plain-values.js';

/** The format of one network input or output, as `network_data_format` in metadata.json describes it. */
export interface BundleTensorFormat {
  /** `image`, `probabilities`, `tuples`... */
  readonly type?: string;
  /** `hounsfield`, `magnitude`, `segmentation`, `labels`... */
  readonly format?: string;
  /** `CT`, `MR`, `endoscopy`... */
  readonly modality?: string;
  readonly numChannels?: number;
  /** Sizes per axis; MONAI writes symbolic ones as strings (`"8*n"`). */
  readonly spatialShape?: readonly (number | string)[];
  readonly dtype?: string;
  readonly valueRange?: readonly number[];
  readonly isPatchData?: boolean;
  /** Channel index (as a string) to name, e.g. `{ "0": "background", "1": "spleen" }`. */
  readonly channelDef: Readonly<Record<string, string>>;
}

/** A typed view of `configs/metadata.json`; `value` is the whole file as read. */
export interface BundleMetadata {
  readonly name?: string;
  readonly version?: string;
  /** Version to what changed, newest first as written. */
  readonly changelog: Readonly<Record<string, string>>;
  readonly monaiVersion?: string;
  readonly pytorchVersion?: string;
  readonly numpyVersion?: string;
  readonly optionalPackagesVersion: Readonly<Record<string, string>>;
  readonly task?: string;
  readonly description?: string;
  readonly authors?: string;
  readonly copyright?: string;
  readonly inputs: Readonly<Record<string, BundleTensorFormat>>;
  readonly outputs: Readonly<Record<string, BundleTensorFormat>>;
  /** The output channels' names in channel order, from the first output with a `channel_def`. */
  readonly channels: readonly string[];
  /** The foreground labels: `channels` without a leading `background` channel. */
  readonly labels: readonly string[];
  /** Which output `channels` come from (usually `pred`). */
  readonly labelsOutput?: string;
  /** Voxel spacing in mm, when the metadata states it (`pixdim` / `spacing` of the first input or at the top). */
  readonly spacingMm?: readonly number[];
  /** The whole file. */
  readonly value: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function tensorFormat(value: unknown): BundleTensorFormat {
  const v = isPlainObject(value) ? value : {};
  const shape =
    Array.isArray(v.spatial_shape) && v.spatial_shape.every((s) => typeof s === 'number' || typeof s === 'string')
      ? (v.spatial_shape as (number | string)[])
      : undefined;
  return {
    ...optional('type', text(v.type)),
    ...optional('format', text(v.format)),
    ...optional('modality', text(v.modality)),
    ...optional('numChannels', typeof v.num_channels === 'number' ? v.num_channels : undefined),
    ...optional('spatialShape', shape),
    ...optional('dtype', text(v.dtype)),
    ...optional('valueRange', numbers(v.value_range)),
    ...optional('isPatchData', typeof v.is_patch_data === 'boolean' ? v.is_patch_data : undefined),
    channelDef: stringRecord(v.channel_def),
  };
}

function formats(value: unknown): Record<string, BundleTensorFormat> {
  if (!isPlainObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, format]) => [name, tensorFormat(format)]));
}

/** Channel names ordered by their numeric index (`"10"` after `"9"`). */
export function channelNames(channelDef: Readonly<Record<string, string>>): string[] {
  return Object.entries(channelDef)
    .filter(([index]) => /^\d+$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, name]) => name);
}

/**
 * A typed view of a metadata.json value. Lenient: a value of the wrong type is left out of the view
 * (`validateBundle` reports it), so a half-written file can still be shown.
 *
 * @example
 * ```ts
 * const meta = bundleMetadataView(JSON.parse(text));
 * meta.monaiVersion; // '1.3.0'
 * meta.labels; // ['spleen']
 * ```
 */
export function bundleMetadataView(value: unknown): BundleMetadata {
  const v = isPlainObject(value) ? value : {};
  const ndf = isPlainObject(v.network_data_format) ? v.network_data_format : {};
  const inputs = formats(ndf.inputs);
  const outputs = formats(ndf.outputs);
  const labelled =
    Object.entries(outputs).find(([name, f]) => name === 'pred' && Object.keys(f.channelDef).length > 0) ??
    Object.entries(outputs).find(([, f]) => Object.keys(f.channelDef).length > 0);
  const channels = labelled ? channelNames(labelled[1].channelDef) : [];
  const labels = channels[0]?.toLowerCase() === 'background' ? channels.slice(1) : channels;
  const firstInput = isPlainObject(ndf.inputs) ? Object.values(ndf.inputs).find(isPlainObject) : undefined;
  const spacing = numbers(firstInput?.pixdim) ?? numbers(firstInput?.spacing) ?? numbers(v.pixdim) ?? numbers(v.spacing);
  return {
    ...optional('name', text(v.name)),
    ...optional('version', text(v.version)),
    changelog: stringRecord(v.changelog),
    ...optional('monaiVersion', text(v.monai_version)),
    ...optional('pytorchVersion', text(v.pytorch_version)),
    ...optional('numpyVersion', text(v.numpy_version)),
    optionalPackagesVersion: stringRecord(v.optional_packages_version),
    ...optional('task', text(v.task)),
    ...optional('description', text(v.description)),
    ...optional('authors', text(v.authors)),
    ...optional('copyright', text(v.copyright)),
    inputs,
    outputs,
    channels,
    labels,
    ...optional('labelsOutput', labelled?.[0]),
    ...optional('spacingMm', spacing),
    value,
  };
}
