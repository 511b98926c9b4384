import { AiaaError } from '../errors.js';
import { asRecord, numberOr, stringOr } from './json.js';

/** The model types MONAI Label apps declare (`InferType`); an unknown type from a newer server is kept as sent. */
export type MonaiLabelModelType =
  'segmentation' | 'annotation' | 'classification' | 'deepgrow' | 'deepedit' | 'scribbles' | 'detection' | 'others';

/** A label a model produces: its name and the voxel value it is written with. */
export interface MonaiLabelLabel {
  readonly name: string;
  readonly value: number;
}

/** An infer task as `/info/` describes it. */
export interface MonaiLabelModel {
  /** The name used in `/infer/{model}`. */
  readonly name: string;
  readonly type: MonaiLabelModelType | (string & {});
  /**
   * The labels, in value order. A server's list form (`["spleen", "liver"]`) numbers them from 1; its map form
   * (`{"spleen": 1, "background": 0}`) keeps its values.
   */
  readonly labels: readonly MonaiLabelLabel[];
  /** 2 or 3, when the server says. */
  readonly dimension: number | undefined;
  readonly description: string;
  /** The user-tunable options the server lists (e.g. `device: ["cpu"]`), as sent. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The descriptor exactly as the server sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A trainer, a strategy or a scoring method: its description and config as sent. */
export interface MonaiLabelTask {
  readonly name: string;
  readonly description: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** `GET /datastore/?output=stats`, also part of `/info/`. */
export interface MonaiLabelDatastoreStats {
  /** Images in the datastore. */
  readonly total: number;
  /** Images with a `final` label. */
  readonly completed: number;
  /** Labels per tag, e.g. `{ final: 2, original: 4 }`. */
  readonly labelTags: Readonly<Record<string, number>>;
}

/** What `GET /info/` says about a MONAI Label app. */
export interface MonaiLabelInfo {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** The app's labels (its own list, or merged from the models). */
  readonly labels: readonly string[];
  readonly models: Readonly<Record<string, MonaiLabelModel>>;
  readonly trainers: Readonly<Record<string, MonaiLabelTask>>;
  readonly strategies: Readonly<Record<string, MonaiLabelTask>>;
  readonly scoring: Readonly<Record<string, MonaiLabelTask>>;
  /** The last training figures per trainer (`train_stats`), as sent. */
  readonly trainStats: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly datastore: MonaiLabelDatastoreStats;
  /** The reply exactly as the server sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Decodes the reply of `GET /info/`.
 *
 * @throws {AiaaError} `AIAA_INVALID_RESPONSE` when it is not an object or its `models` are malformed.
 * @example
 * ```ts
 * const info = parseInfo(JSON.parse(body));
 * info.models['deepedit']?.labels; // [{ name: 'background', value: 0 }, { name: 'spleen', value: 1 }]
 * ```
 */
export function parseInfo(value: unknown): MonaiLabelInfo {
  const raw = asRecord(value);
  if (!raw) throw invalid('info: expected a JSON object');
  const modelsRaw = raw['models'] === undefined ? {} : asRecord(raw['models']);
  if (!modelsRaw) throw invalid('info: "models" must be an object of model descriptors');
  const models: Record<string, MonaiLabelModel> = {};
  for (const [name, descriptor] of Object.entries(modelsRaw)) models[name] = parseModel(name, descriptor);
  const labels = Array.isArray(raw['labels'])
    ? raw['labels'].filter((l): l is string => typeof l === 'string')
    : Object.keys(asRecord(raw['labels']) ?? {});
  const stats = asRecord(raw['train_stats']) ?? {};
  return {
    name: stringOr(raw['name'], ''),
    description: stringOr(raw['description'], ''),
    version: stringOr(raw['version'], ''),
    labels,
    models,
    trainers: tasksOf(raw['trainers']),
    strategies: tasksOf(raw['strategies']),
    scoring: tasksOf(raw['scoring']),
    trainStats: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, asRecord(v) ?? {}])),
    datastore: parseDatastoreStats(raw['datastore']),
    raw,
  };
}

/** Decodes one model descriptor of `/info/`. */
export function parseModel(name: string, value: unknown): MonaiLabelModel {
  const raw = asRecord(value);
  if (!raw) throw invalid(`info: the descriptor of model "${name.slice(0, 80)}" is not an object`);
  const dimension = raw['dimension'];
  return {
    name,
    type: stringOr(raw['type'], 'others'),
    labels: labelsOf(raw['labels']),
    dimension: typeof dimension === 'number' && Number.isFinite(dimension) ? dimension : undefined,
    description: stringOr(raw['description'], ''),
    config: asRecord(raw['config']) ?? {},
    raw,
  };
}

/** Decodes datastore statistics (`total`, `completed`, `label_tags`); missing numbers are 0. */
export function parseDatastoreStats(value: unknown): MonaiLabelDatastoreStats {
  const raw = asRecord(value) ?? {};
  const tags = asRecord(raw['label_tags']) ?? {};
  return {
    total: numberOr(raw['total'], 0),
    completed: numberOr(raw['completed'], 0),
    labelTags: Object.fromEntries(Object.entries(tags).filter((e): e is [string, number] => typeof e[1] === 'number')),
  };
}

/** A label list (`["a", "b"]`, values from 1) or map (`{ "a": 1 }`) in value order. */
export function labelsOf(value: unknown): MonaiLabelLabel[] {
  if (Array.isArray(value)) {
    return value.filter((l): l is string => typeof l === 'string').map((name, index) => ({ name, value: index + 1 }));
  }
  const map = asRecord(value);
  if (!map) return [];
  return Object.entries(map)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
    .map(([name, v]) => ({ name, value: v }))
    .sort((a, b) => a.value - b.value);
}

function tasksOf(value: unknown): Record<string, MonaiLabelTask> {
  const map = asRecord(value) ?? {};
  const out: Record<string, MonaiLabelTask> = {};
  for (const [name, item] of Object.entries(map)) {
    const record = asRecord(item) ?? {};
    out[name] = { name, description: stringOr(record['description'], ''), config: asRecord(record['config']) ?? {} };
  }
  return out;
}

function invalid(message: string): AiaaError {
  return new AiaaError('AIAA_INVALID_RESPONSE', message, { details: { operation: 'info' } });
}
