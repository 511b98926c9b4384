import { formatJsonPointer } from '@medaas/core';
import type { JsonValue } from '../json-edit.js';
import type { BundleConfigDocument } from './bundle-config.js';
import type { BundleLocation, BundleIssueDraft } from './bundle-findings.js';
import { normalizeBundlePath } from './bundle-files.js';
import { absolutizeIds, childId, idPointer, joinBundleId, splitBundleId, splitMacro } from './ids.js';
import { cloneJson, defineKey, isPlainObject, valueAtPath } from './plain-values.js';

// What MONAI's ConfigParser does before it resolves references, reproduced: the files are read in order
// and each top-level key is set at its id (`train#dataloader#sampler` replaces one value deep inside what
// an earlier file defined; `+key` merges into it), command-line overrides come last, `_meta_` is the
// metadata, then relative ids become absolute and `%` macros are replaced by copies of what they name.
// Alongside, every id remembers which file and pointer its value came from, for findings and edits.

/** Origins by id; an id's own origin wins over its ancestors'. */
export class Origins {
  private readonly byId = new Map<string, BundleLocation>();

  set(id: string, location: BundleLocation): void {
    const prefix = id === '' ? '' : `${id}#`;
    for (const key of [...this.byId.keys()]) if (key.startsWith(prefix) && key !== id) this.byId.delete(key);
    this.byId.set(id, location);
  }

  /** Where the value at `id` is written: the nearest id with an origin, and the rest of the path below it. */
  locate(id: string): BundleLocation | undefined {
    const segments = splitBundleId(id);
    for (let length = segments.length; length >= 0; length--) {
      const origin = this.byId.get(joinBundleId(segments.slice(0, length)));
      if (origin) {
        const rest = segments.slice(length);
        return rest.length === 0 ? origin : { ...origin, pointer: origin.pointer + formatJsonPointer(rest) };
      }
    }
    return undefined;
  }
}

/** The configuration MONAI would resolve: one tree, with the origin of every value. */
export interface MergedConfig {
  readonly root: Record<string, unknown>;
  readonly origins: Origins;
  readonly issues: BundleIssueDraft[];
}

/** What to merge. */
export interface MergeInput {
  readonly files: readonly BundleConfigDocument[];
  /** Every configuration of the bundle, for macros that name another file. */
  readonly configs: ReadonlyMap<string, BundleConfigDocument>;
  readonly metadata?: BundleConfigDocument;
  readonly overrides?: Readonly<Record<string, JsonValue>>;
}

/** Copies made by macros, at most; a macro that doubles at each level would otherwise exhaust memory. */
const MACRO_BUDGET = 200_000;

function countNodes(value: unknown, limit: number): number {
  let count = 0;
  const stack = [value];
  while (stack.length > 0 && count <= limit) {
    const item = stack.pop();
    count++;
    if (typeof item === 'object' && item !== null) stack.push(...Object.values(item));
  }
  return count;
}

/**
 * Merges configuration files as MONAI reads them for one run, then expands relative ids and macros.
 * Problems (an override of something no earlier file defines, a macro to a missing file or id, a macro
 * cycle) become findings; the merge itself never throws.
 */
export function mergeConfigs(input: MergeInput): MergedConfig {
  const root: Record<string, unknown> = {};
  const origins = new Origins();
  const issues: BundleIssueDraft[] = [];
  origins.set('', { file: input.files[0]?.file ?? '<overrides>', pointer: '' });

  const setAt = (key: string, value: unknown, location: BundleLocation): void => {
    const merge = key.startsWith('+');
    const id = merge ? key.slice(1) : key;
    const segments = splitBundleId(id);
    const last = segments.pop();
    const parent = valueAtPath(root, segments);
    const fail = (why: string): void => {
      issues.push({ severity: 'error', code: 'MMAR_DANGLING_REFERENCE', location, message: `"${key}" ${why}` });
    };
    if (last === undefined) return;
    if (Array.isArray(parent)) {
      const index = /^\d+$/.test(last) ? Number(last) : Number.NaN;
      if (!(index < parent.length)) return fail(`sets item ${last} of ${joinBundleId(segments)}, which has ${parent.length} items`);
    } else if (!isPlainObject(parent))
      return fail(`overrides a value inside "${joinBundleId(segments)}", which no earlier configuration defines`);
    const container = parent as Record<string, unknown>;
    const existing = container[last];
    let next = cloneJson(value);
    if (merge) {
      if (Array.isArray(existing) && Array.isArray(next)) next = [...existing, ...next];
      else if (isPlainObject(existing) && isPlainObject(next)) next = Object.assign(cloneJson(existing), next);
      else if (existing !== undefined) return fail(`merges into "${id}", which is not a list or object of the same kind`);
    }
    if (Array.isArray(container)) container[Number(last)] = next;
    else defineKey(container, last, next);
    origins.set(joinBundleId([...segments, last]), location);
  };

  for (const document of input.files) {
    if (!isPlainObject(document.value)) {
      issues.push({
        severity: 'error',
        code: 'MMAR_INVALID_CONFIG',
        location: { file: document.file, pointer: '' },
        message: 'a bundle configuration must be a mapping of ids to values',
      });
      continue;
    }
    for (const [key, value] of Object.entries(document.value))
      setAt(key, value, { file: document.file, pointer: formatJsonPointer([key]) });
  }
  for (const [key, value] of Object.entries(input.overrides ?? {}))
    setAt(key, value, { file: '<overrides>', pointer: formatJsonPointer([key]) });
  if (input.metadata && !Object.hasOwn(root, '_meta_')) {
    defineKey(root, '_meta_', cloneJson(input.metadata.value));
    origins.set('_meta_', { file: input.metadata.file, pointer: '' });
  }

  let budget = MACRO_BUDGET;
  const expanding: string[] = [];
  const expand = (value: unknown, id: string, depth: number): unknown => {
    if (typeof value === 'string') {
      const absolute = absolutizeIds(value, id);
      if (absolute === undefined) {
        issues.push({
          severity: 'error',
          code: 'MMAR_DANGLING_REFERENCE',
          location: origins.locate(id),
          message: `the relative id in "${value}" climbs above the top of the configuration`,
        });
        return value;
      }
      return absolute.startsWith('%') ? expandMacro(absolute, id, depth) : absolute;
    }
    if (depth > 1000 || typeof value !== 'object' || value === null) return value;
    const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
    for (const [key, item] of entries) {
      const expanded = expand(item, childId(id, key), depth + 1);
      if (expanded !== item) (value as Record<string | number, unknown>)[key] = expanded;
    }
    return value;
  };
  const expandMacro = (macro: string, id: string, depth: number): unknown => {
    const location = origins.locate(id);
    const target = splitMacro(macro.slice(1));
    let source: unknown = root;
    let sourceLocation: BundleLocation | undefined;
    let file: string | undefined;
    if (target.path !== undefined) {
      file = normalizeBundlePath(target.path);
      const document = file === undefined ? undefined : input.configs.get(file);
      if (!document) {
        issues.push({
          severity: 'error',
          code: 'MMAR_MISSING_FILE',
          location,
          message: `the macro "${macro}" copies from ${target.path}, which is not part of the bundle`,
        });
        return macro;
      }
      source = document.value;
      sourceLocation = { file: document.file, pointer: idPointer(target.id) };
    } else sourceLocation = origins.locate(target.id);
    const copied = valueAtPath(source, splitBundleId(target.id));
    if (copied === undefined) {
      issues.push({
        severity: 'error',
        code: 'MMAR_DANGLING_REFERENCE',
        location,
        message: `the macro "${macro}" names "${target.id}", which ${file ?? 'the configuration'} does not define`,
      });
      return macro;
    }
    const key = `${file ?? ''}#${target.id}`;
    if (expanding.includes(key) || (file === undefined && (id === target.id || id.startsWith(`${target.id}#`)))) {
      issues.push({
        severity: 'error',
        code: 'MMAR_REFERENCE_CYCLE',
        location,
        message: `the macro "${macro}" copies itself: ${[...expanding, key].join(' -> ')}`,
      });
      return null;
    }
    budget -= countNodes(copied, budget);
    if (budget < 0) {
      issues.push({
        severity: 'error',
        code: 'MMAR_INVALID_CONFIG',
        location,
        message: `macros copy more than ${MACRO_BUDGET} values; "${macro}" is not expanded`,
      });
      return null;
    }
    if (sourceLocation) origins.set(id, location ? { ...sourceLocation, via: location } : sourceLocation);
    expanding.push(key);
    try {
      return expand(cloneJson(copied), id, depth + 1);
    } finally {
      expanding.pop();
    }
  };
  for (const key of Object.keys(root)) {
    const expanded = expand(root[key], key, 1);
    if (expanded !== root[key]) defineKey(root, key, expanded);
  }
  return { root, origins, issues };
}
