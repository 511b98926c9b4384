import { isMedaasError, resolveJsonPointer } from '@medaas/core';
import type { ConfigDocument } from './config-document.js';
import { parseConfig } from './config-edit.js';
import { globalVariables } from './config-train.js';
import { checkReferencedDatalist, type DataFileAccess, type DatalistReference } from './datalist-check.js';
import { FindingList, type MmarIssue } from './findings.js';
import { parseJsonSyntax } from './json-syntax.js';
import { isMmarArchive, mmarFilesOf, trainConfigPaths, type MmarInput } from './mmar-archive.js';
import { configKindOf, MMAR_PATHS, mmarText, type MmarFiles } from './mmar-files.js';
import { classCountSites, expectedClassCount, usesSigmoid, type LoadedConfig } from './out-classes.js';
import { isVariableReference, type JsonRecord } from './shape.js';
import { findVariableReferences, resolveVariables, variableScope } from './variables.js';

/** Options of {@link validateMmar}. */
export type ValidateMmarOptions = DataFileAccess;

/**
 * Checks a whole MMAR of any Clara generation and returns its findings; it never throws for a bad MMAR.
 * It reports missing files, malformed JSON (with line and column), values Clara cannot use (errors,
 * with the JSON pointer, line and column), shapes this library does not know (`MMAR_UNKNOWN_SHAPE`
 * warnings: kept as they are, never rejected), `{variable}` references that nothing defines, output
 * class counts that disagree with the labels or with each other, a `DATASET_JSON` that does not exist,
 * and, given `fileExists`, data list entries whose file is missing.
 *
 * @param mmar - the MMAR as `readMmar` returns it, or its files by relative path.
 * @param options - how to reach data outside the MMAR: `dataRoot` (instead of `DATA_ROOT`), `fileExists`, `readText`.
 * @example
 * ```ts
 * const issues = validateMmar(await readMmar('/mmars/spleen'), { fileExists: existsSync });
 * for (const issue of issues) console.log(`${issue.file}${issue.pointer}: ${issue.message}`);
 * ```
 */
export function validateMmar(mmar: MmarInput, options: ValidateMmarOptions = {}): MmarIssue[] {
  const findings = new FindingList();
  const files = mmarFilesOf(mmar);
  if (!Object.hasOwn(files, MMAR_PATHS.environment)) {
    findings.add({
      severity: 'error',
      code: 'MMAR_MISSING_FILE',
      file: MMAR_PATHS.environment,
      pointer: '',
      message: `${MMAR_PATHS.environment} is missing`,
    });
  }
  const trainPaths = trainConfigPaths(files);
  if (trainPaths.length === 0) {
    findings.add({
      severity: 'warning',
      code: 'MMAR_MISSING_FILE',
      file: MMAR_PATHS.train,
      pointer: '',
      message: `${MMAR_PATHS.train} is missing: the MMAR can serve its model but not train it`,
    });
  }
  checkScripts(files, findings, trainPaths.length > 0);
  const configs = loadConfigs(mmar, findings);
  const environment = configs.find((c) => c.path === MMAR_PATHS.environment) ?? configs.find((c) => c.kind === 'environment');
  const envValue = isRecord(environment?.value) ? environment.value : {};
  for (const config of configs) {
    if ((config.kind !== 'train' && config.kind !== 'validation' && config.kind !== 'inference') || !isRecord(config.value)) continue;
    const scope = variableScope(globalVariables(config.value, config.kind), envValue);
    for (const reference of findVariableReferences(config.value)) {
      if (!Object.hasOwn(scope, reference.name)) {
        findings.add({
          severity: 'error',
          code: 'MMAR_UNDEFINED_VARIABLE',
          file: config.path,
          pointer: reference.pointer,
          message: `{${reference.name}} is not defined by the global variables of ${config.path} or by ${MMAR_PATHS.environment}`,
        });
      }
    }
  }
  const dataRoot = options.dataRoot ?? (typeof envValue['DATA_ROOT'] === 'string' ? envValue['DATA_ROOT'] : undefined);
  let datalistLabels: { file: string; count: number } | undefined;
  for (const reference of datalistReferences(configs, environment)) {
    const labels = checkReferencedDatalist(files, reference, dataRoot, options, findings);
    datalistLabels ??= labels;
  }
  const train = configs.find((c) => c.path === MMAR_PATHS.train) ?? configs.find((c) => c.path === trainPaths[0]);
  const aiaa = configs.find((c) => c.kind === 'aiaa');
  const sites = classCountSites(
    configs.filter((c) => c.kind === 'train' || c.kind === 'validation' || c.kind === 'inference'),
    environment,
  );
  const expected = expectedClassCount(aiaa, datalistLabels, usesSigmoid(train));
  const reference =
    expected ??
    (sites[0]?.value === undefined
      ? undefined
      : { count: sites[0].value, source: `${sites[0].file} sets ${sites[0].pointer} to ${sites[0].value}` });
  const reported = new Set<string>();
  for (const site of sites) {
    const key = `${site.target.file}#${site.target.pointer}`;
    if (!reference || site.value === undefined || site.value === reference.count || reported.has(key)) continue;
    reported.add(key);
    const via = site.target.pointer === site.pointer && site.target.file === site.file ? '' : ` (used by ${site.file}${site.pointer})`;
    findings.add({
      severity: 'error',
      code: 'MMAR_OUT_CLASSES_MISMATCH',
      file: site.target.file,
      pointer: site.target.pointer,
      message: `${site.value} output classes${via}, but ${reference.source} = ${reference.count}`,
    });
  }
  return findings.issues;
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadConfigs(mmar: MmarInput, findings: FindingList): LoadedConfig[] {
  const files = mmarFilesOf(mmar);
  const configs: LoadedConfig[] = [];
  for (const path of Object.keys(files).sort()) {
    const kind = path.startsWith('config/') ? configKindOf(path) : undefined;
    const text = kind && mmarText(files, path);
    if (!kind || text === undefined) continue;
    let document: ConfigDocument<unknown>;
    try {
      document = (isMmarArchive(mmar) ? mmar.configs.get(path) : undefined) ?? parseConfig(kind, text, { file: path });
      findings.addSource(path, text, parseJsonSyntax(text, path));
    } catch (error) {
      if (!isMedaasError(error, 'MMAR_INVALID_JSON')) throw error;
      const { line, column } = error.details as { line: number; column: number };
      findings.issues.push({ severity: 'error', code: 'MMAR_INVALID_JSON', file: path, pointer: '', message: error.message, line, column });
      continue;
    }
    for (const finding of document.findings) {
      findings.add({ severity: finding.severity, code: finding.code, file: path, pointer: finding.pointer, message: finding.message });
    }
    configs.push({ path, kind, value: document.value });
  }
  return configs;
}

/** The data lists the MMAR reads: `DATASET_JSON`, and any literal `data_list_file_path` of a dataset. */
function datalistReferences(configs: readonly LoadedConfig[], environment: LoadedConfig | undefined): DatalistReference[] {
  const byPath = new Map<string, { file: string; pointer: string; keys: DatalistReference['keys'][number][] }>();
  const envValue = isRecord(environment?.value) ? environment.value : {};
  const datasetJson = envValue['DATASET_JSON'];
  if (environment && typeof datasetJson === 'string' && datasetJson !== '')
    byPath.set(datasetJson, { file: environment.path, pointer: '/DATASET_JSON', keys: [] });
  for (const config of configs) {
    if (config.kind !== 'train' && config.kind !== 'validation' && config.kind !== 'inference') continue;
    if (!isRecord(config.value)) continue;
    const scope = variableScope(globalVariables(config.value, config.kind), envValue);
    // Clara 4 datasets, and Clara 3 image pipelines, which take the data list in their args.
    const datasets =
      config.kind === 'train'
        ? ['/train/dataset', '/validate/dataset', '/train/image_pipeline/args', '/validate/image_pipeline/args']
        : ['/dataset', '/image_pipeline/args'];
    for (const pointer of datasets) {
      const raw = resolveJsonPointer(config.value, `${pointer}/data_list_file_path`);
      if (typeof raw !== 'string') continue;
      let path: unknown;
      try {
        path = resolveVariables(raw, scope);
      } catch {
        continue; // reported as an undefined variable already
      }
      if (typeof path !== 'string') continue;
      const entry = byPath.get(path) ?? { file: config.path, pointer: `${pointer}/data_list_file_path`, keys: [] };
      const key = resolveJsonPointer(config.value, `${pointer}/data_list_key`);
      if (typeof key === 'string' && !isVariableReference(key))
        entry.keys.push({ key, file: config.path, pointer: `${pointer}/data_list_key` });
      byPath.set(path, entry);
    }
  }
  return [...byPath].map(([path, entry]) => ({ path, ...entry }));
}

const SCRIPT_FILE_VARIABLE = /^\s*(?:export\s+)?(?:CONFIG_FILE|ENVIRONMENT_FILE)=["']?(config\/[^"'\s]+)["']?\s*$/gm;

/** The scripts name the configs they run; a renamed or deleted config breaks them only hours later. */
function checkScripts(files: MmarFiles, findings: FindingList, trains: boolean): void {
  for (const path of Object.keys(files).sort()) {
    if (!path.startsWith('commands/') || !path.endsWith('.sh')) continue;
    const text = mmarText(files, path) ?? '';
    for (const match of text.matchAll(SCRIPT_FILE_VARIABLE)) {
      const named = match[1] as string;
      if (!Object.hasOwn(files, named)) {
        findings.add({
          severity: 'error',
          code: 'MMAR_MISSING_FILE',
          file: path,
          pointer: '',
          message: `${path} runs ${named}, which is missing`,
        });
      }
    }
  }
  if (trains && !Object.hasOwn(files, 'commands/train.sh')) {
    findings.add({
      severity: 'warning',
      code: 'MMAR_MISSING_FILE',
      file: 'commands/train.sh',
      pointer: '',
      message: 'commands/train.sh is missing (renderCommands can write it)',
    });
  }
}
