import { appendJsonPointer } from '@medaas/core';
import { checkComponent, checkComponentList, type ComponentConfig } from './components.js';
import { createDocument, type ConfigDocument } from './config-document.js';
import type { ParseConfigOptions } from './environment.js';
import { detectGeneration } from './generation.js';
import { type JsonRecord, type ShapeChecker } from './shape.js';

/** One server a federated client talks to, or the server's own description (`servers[i]`). */
export interface FedServerEntry {
  readonly name?: string;
  /** The gRPC target (`"target": "host:8002"`) and channel options. */
  readonly service?: Readonly<Record<string, unknown>>;
  readonly min_num_clients?: number;
  readonly max_num_clients?: number;
  readonly start_round?: number;
  readonly num_rounds?: number;
  readonly [key: string]: unknown;
}

/** A component of an NVFlare-based (Clara 4) federated configuration, named by its `id`. */
export type FedComponent = ComponentConfig & { readonly id?: string };

/**
 * `config/config_fed_client*.json`: a federated-learning client. Clara 3 lists the `servers` and the
 * `client` settings (`local_epochs`, `steps_aggregation`, `privacy`, ...); Clara 4 (NVFlare) lists
 * `executors` for tasks, `components` and task filters under a `format_version`.
 */
export interface ConfigFedClient {
  readonly format_version?: number;
  readonly servers?: readonly FedServerEntry[];
  readonly client?: Readonly<Record<string, unknown>>;
  readonly executors?: readonly { readonly tasks?: readonly string[]; readonly executor?: FedComponent; readonly [key: string]: unknown }[];
  readonly components?: readonly FedComponent[];
  readonly [key: string]: unknown;
}

/**
 * `config/config_fed_server*.json`: a federated-learning server. Clara 3 has `servers` (rounds, client
 * counts), an `aggregator` and a `model_saver`; Clara 4 (NVFlare) `workflows` and `components`.
 */
export interface ConfigFedServer {
  readonly format_version?: number;
  readonly servers?: readonly FedServerEntry[];
  readonly aggregator?: ComponentConfig;
  readonly model_saver?: ComponentConfig;
  readonly workflows?: readonly FedComponent[];
  readonly components?: readonly FedComponent[];
  readonly [key: string]: unknown;
}

const SERVER_NUMBERS = ['min_num_clients', 'max_num_clients', 'start_round', 'num_rounds', 'num_server_workers'];
const CLIENT_NUMBERS = ['local_epochs', 'steps_aggregation', 'retry_timeout'];

function checkServers(check: ShapeChecker, value: unknown, pointer: string): void {
  if (!check.array(value, pointer)) return;
  value.forEach((server, index) => {
    const at = appendJsonPointer(pointer, index);
    if (!check.object(server, at)) return;
    check.field(server, 'name', at, (v, p) => check.string(v, p));
    check.field(server, 'service', at, (v, p) => check.object(v, p));
    for (const key of SERVER_NUMBERS) check.field(server, key, at, (v, p) => check.numberOrReference(v, p));
  });
}

/** Task lists with their filters or executor: `[{ "tasks": [...], "filters": [...] }]`. */
function checkTaskEntries(check: ShapeChecker, value: unknown, pointer: string, inner: 'executor' | 'filters'): void {
  if (!check.array(value, pointer)) return;
  value.forEach((entry, index) => {
    const at = appendJsonPointer(pointer, index);
    if (!check.object(entry, at)) return;
    check.field(entry, 'tasks', at, (v, p) => check.array(v, p));
    if (inner === 'executor') check.field(entry, 'executor', at, (v, p) => checkComponent(check, v, p));
    else check.field(entry, 'filters', at, (v, p) => checkComponentList(check, v, p));
  });
}

function checkCommon(check: ShapeChecker, value: JsonRecord): void {
  check.field(value, 'format_version', '', (v, p) => check.numberOrReference(v, p));
  check.field(value, 'servers', '', (v, p) => checkServers(check, v, p));
  for (const key of ['components', 'workflows', 'pre_processors', 'post_processors'])
    check.field(value, key, '', (v, p) => checkComponentList(check, v, p));
  for (const key of ['task_data_filters', 'task_result_filters'])
    check.field(value, key, '', (v, p) => checkTaskEntries(check, v, p, 'filters'));
}

/** The shape rules of a federated client configuration. */
export function checkConfigFedClient(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  checkCommon(check, value);
  check.field(value, 'executors', '', (v, p) => checkTaskEntries(check, v, p, 'executor'));
  check.field(value, 'client', '', (client, pointer) => {
    if (!check.object(client, pointer)) return;
    for (const key of CLIENT_NUMBERS) check.field(client, key, pointer, (v, p) => check.numberOrReference(v, p));
  });
  const generation = detectGeneration('fed-client', value);
  if (generation === 'clara4' && !Object.hasOwn(value, 'executors'))
    check.unknown('', 'no "executors" (Clara 4 clients run their tasks with them); kept as it is');
  if (generation === 'clara3')
    for (const key of ['servers', 'client'])
      if (!Object.hasOwn(value, key)) check.unknown('', `no "${key}" (Clara 3 clients have it); kept as it is`);
  if (generation === 'unknown')
    check.unknown('', 'the layout matches neither a Clara 3 (servers, client) nor a Clara 4 (executors) federated client; kept as it is');
}

/** The shape rules of a federated server configuration. */
export function checkConfigFedServer(check: ShapeChecker, value: unknown): void {
  if (!check.object(value, '')) return;
  checkCommon(check, value);
  for (const key of ['aggregator', 'model_saver', 'model_persistor', 'shareable_generator'])
    check.field(value, key, '', (v, p) => checkComponent(check, v, p));
  const generation = detectGeneration('fed-server', value);
  if (generation === 'clara4' && !Object.hasOwn(value, 'workflows'))
    check.unknown('', 'no "workflows" (Clara 4 servers run them); kept as it is');
  if (generation === 'clara3')
    for (const key of ['servers', 'aggregator'])
      if (!Object.hasOwn(value, key)) check.unknown('', `no "${key}" (Clara 3 servers have it); kept as it is`);
  if (generation === 'unknown')
    check.unknown(
      '',
      'the layout matches neither a Clara 3 (servers, aggregator) nor a Clara 4 (workflows) federated server; kept as it is',
    );
}

/**
 * Parses a federated-learning client configuration (`config/config_fed_client.json`) of Clara 3 or
 * Clara 4 (NVFlare). Shape problems are `findings`, not errors, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`.
 * @example
 * ```ts
 * parseConfigFedClient(text).value.client?.['local_epochs']; // 5
 * ```
 */
export function parseConfigFedClient(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigFedClient> {
  return createDocument(
    'fed-client',
    json,
    options.file ?? 'config/config_fed_client.json',
    checkConfigFedClient,
    'federated client configuration',
    options,
  );
}

/**
 * Parses a federated-learning server configuration (`config/config_fed_server.json`) of Clara 3 or
 * Clara 4 (NVFlare). Shape problems are `findings`, not errors, unless `strict`.
 *
 * @throws {MmarError} `MMAR_INVALID_JSON` with file, line and column; with `strict`, `MMAR_INVALID_CONFIG`.
 * @example
 * ```ts
 * parseConfigFedServer(text).value.servers?.[0]?.num_rounds; // 300
 * ```
 */
export function parseConfigFedServer(json: string, options: ParseConfigOptions = {}): ConfigDocument<ConfigFedServer> {
  return createDocument(
    'fed-server',
    json,
    options.file ?? 'config/config_fed_server.json',
    checkConfigFedServer,
    'federated server configuration',
    options,
  );
}
