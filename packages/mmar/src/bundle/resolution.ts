import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import type { BundleIssueDraft, BundleLocation } from './bundle-findings.js';
import { mergeConfigs, type MergedConfig, type MergeInput } from './config-merge.js';
import { childId, isWholeReference, referencedIds, splitBundleId } from './ids.js';
import { isPlainObject, valueAtPath } from './plain-values.js';

/** An object with `_target_`: what MONAI instantiates. */
export interface BundleComponent {
  /** Its id, e.g. `network_def` or `train#handlers#0`. */
  readonly id: string;
  /** The class, as written: a dotted path (`monai.networks.nets.UNet`) or a registered name (`UNet`). */
  readonly target: string;
  /** `_disabled_` as written (a boolean or an expression), when present. */
  readonly disabled?: unknown;
  /** `_mode_`: `default`, `callable` or `debug`, when present. */
  readonly mode?: string;
  /** `_desc_`, when present. */
  readonly description?: string;
  readonly location: BundleLocation | undefined;
}

/** A `$` Python expression, kept verbatim, with the ids it refers to. */
export interface BundleExpression {
  readonly id: string;
  /** The expression without the leading `$`, exactly as written (after relative ids became absolute). */
  readonly expression: string;
  /** The ids its `@` parts refer to, in order, each once. */
  readonly references: readonly string[];
  readonly location: BundleLocation | undefined;
}

/** One `@id` use: a whole-string reference or an `@` inside an expression. */
export interface BundleReference {
  /** The id of the string that refers. */
  readonly from: string;
  /** The id referred to. */
  readonly to: string;
  readonly kind: 'reference' | 'expression';
  /** Whether `to` exists in the merged configuration. */
  readonly exists: boolean;
  readonly location: BundleLocation | undefined;
}

/**
 * A bundle configuration as MONAI would see it for one run (one or more files, overrides, metadata as
 * `_meta_`), with macros and relative ids expanded, every component, expression and reference listed,
 * and reference resolution on demand. The files themselves are untouched; edits go to them.
 */
export interface BundleResolution {
  /** The files merged, in order. */
  readonly configFiles: readonly string[];
  /** The merged tree with macros copied and relative ids made absolute; references are not replaced. */
  readonly root: Readonly<Record<string, unknown>>;
  readonly components: readonly BundleComponent[];
  readonly expressions: readonly BundleExpression[];
  readonly references: readonly BundleReference[];
  /** What was wrong while merging and following references (dangling ids, cycles, missing macro files). */
  readonly drafts: readonly BundleIssueDraft[];
  /** Whether an id exists. */
  has(id: string): boolean;
  /** The value at an id with references left as written. */
  raw(id: string): unknown;
  /** Where the value of an id is written. */
  locate(id: string): BundleLocation | undefined;
  /**
   * The value at an id with every `@id` reference replaced by the (resolved) value it names;
   * expressions stay strings.
   *
   * @throws {MmarError} `MMAR_DANGLING_REFERENCE` for an id that does not exist, `MMAR_REFERENCE_CYCLE`
   *   when the references lead back to the value being resolved.
   */
  resolve(id: string): unknown;
}

/** References followed inside one another at most; a longer chain is refused, not a stack overflow. */
const MAX_CHAIN = 500;

interface Walked {
  readonly components: BundleComponent[];
  readonly expressions: BundleExpression[];
  readonly references: BundleReference[];
  readonly children: Map<string, string[]>;
}

function walk(merged: MergedConfig): Walked {
  const out: Walked = { components: [], expressions: [], references: [], children: new Map() };
  const exists = (id: string): boolean => valueAtPath(merged.root, splitBundleId(id)) !== undefined;
  const stack: { id: string; value: unknown }[] = Object.entries(merged.root).map(([id, value]) => ({ id, value }));
  out.children.set('', Object.keys(merged.root));
  while (stack.length > 0) {
    const { id, value } = stack.pop() as { id: string; value: unknown };
    if (typeof value === 'string') {
      const ids = referencedIds(value);
      const kind = value.startsWith('$') ? 'expression' : 'reference';
      const location = ids.length > 0 || kind === 'expression' ? merged.origins.locate(id) : undefined;
      for (const to of new Set(ids)) out.references.push({ from: id, to, kind, exists: exists(to), location });
      if (kind === 'expression') out.expressions.push({ id, expression: value.slice(1), references: [...new Set(ids)], location });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
    out.children.set(
      id,
      keys.map((key) => childId(id, key)),
    );
    if (isPlainObject(value) && '_target_' in value && typeof value._target_ === 'string') {
      out.components.push({
        id,
        target: value._target_,
        ...('_disabled_' in value ? { disabled: value._disabled_ } : {}),
        ...(typeof value._mode_ === 'string' ? { mode: value._mode_ } : {}),
        ...(typeof value._desc_ === 'string' ? { description: value._desc_ } : {}),
        location: merged.origins.locate(id),
      });
    }
    for (const key of keys) stack.push({ id: childId(id, key), value: (value as Record<string, unknown>)[key] });
  }
  const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  out.components.sort(byId);
  out.expressions.sort(byId);
  out.references.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
  return out;
}

/**
 * Finds reference cycles with an iterative depth-first search over "needs" edges: a container needs its
 * children, a string needs the ids it refers to. Each cycle is reported once, at a referring string.
 */
function findCycles(walked: Walked, merged: MergedConfig): BundleIssueDraft[] {
  const needs = new Map<string, string[]>();
  for (const ref of walked.references) if (ref.exists) needs.set(ref.from, [...(needs.get(ref.from) ?? []), ref.to]);
  const edges = (id: string): string[] => [...(walked.children.get(id) ?? []), ...(needs.get(id) ?? [])];
  const state = new Map<string, 1 | 2>();
  const drafts: BundleIssueDraft[] = [];
  const reported = new Set<string>();
  for (const start of walked.children.get('') ?? []) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const iterators = [edges(start)[Symbol.iterator]()];
    state.set(start, 1);
    while (iterators.length > 0) {
      const next = (iterators.at(-1) as Iterator<string>).next();
      if (next.done) {
        state.set(path.pop() as string, 2);
        iterators.pop();
        continue;
      }
      const to = next.value;
      const seen = state.get(to);
      if (seen === 1) {
        const cycle = [...path.slice(path.indexOf(to)), to];
        const key = [...new Set(cycle)].sort().join('\0');
        const referrer =
          cycle.find((id, i) => i < cycle.length - 1 && (needs.get(id) ?? []).includes(cycle[i + 1] as string)) ?? path.at(-1) ?? to;
        if (!reported.has(key)) {
          reported.add(key);
          drafts.push({
            severity: 'error',
            code: 'MMAR_REFERENCE_CYCLE',
            location: merged.origins.locate(referrer),
            message: `references form a cycle: ${cycle.join(' -> ')}`,
          });
        }
      } else if (seen === undefined) {
        state.set(to, 1);
        path.push(to);
        iterators.push(edges(to)[Symbol.iterator]());
      }
    }
  }
  return drafts;
}

/** What to resolve: the merge input of {@link mergeConfigs}. */
export type ResolveInput = MergeInput & { readonly overrides?: Readonly<Record<string, JsonValue>> };

/** Builds the resolution of one run of a bundle. Never throws; problems are in `drafts`. */
export function buildResolution(input: ResolveInput): BundleResolution {
  const merged = mergeConfigs(input);
  const walked = walk(merged);
  const drafts: BundleIssueDraft[] = [...merged.issues];
  for (const ref of walked.references) {
    if (!ref.exists) {
      const what = ref.kind === 'expression' ? `the expression at "${ref.from}" refers to "@${ref.to}"` : `"@${ref.to}"`;
      drafts.push({
        severity: 'error',
        code: 'MMAR_DANGLING_REFERENCE',
        location: ref.location,
        message: `${what}, which no configuration of this run defines`,
      });
    }
  }
  drafts.push(...findCycles(walked, merged));
  const memo = new Map<string, unknown>();
  const active: string[] = [];
  const raw = (id: string): unknown => valueAtPath(merged.root, splitBundleId(id));
  const resolveId = (id: string): unknown => {
    if (memo.has(id)) return memo.get(id);
    if (active.includes(id)) {
      throw new MmarError('MMAR_REFERENCE_CYCLE', `references form a cycle: ${[...active.slice(active.indexOf(id)), id].join(' -> ')}`, {
        details: { ...(merged.origins.locate(id) ?? {}), cycle: [...active.slice(active.indexOf(id)), id] },
      });
    }
    const value = raw(id);
    if (value === undefined)
      throw new MmarError('MMAR_DANGLING_REFERENCE', `"${id}" is not defined in ${input.files.map((f) => f.file).join(' + ')}`, {
        details: { id },
      });
    if (active.length >= MAX_CHAIN)
      throw new MmarError('MMAR_REFERENCE_CYCLE', `references nest more than ${MAX_CHAIN} deep at "${id}"`, {
        details: { id, cycle: [...active] },
      });
    active.push(id);
    try {
      const resolved = substitute(value, id);
      memo.set(id, resolved);
      return resolved;
    } finally {
      active.pop();
    }
  };
  const substitute = (value: unknown, id: string): unknown => {
    if (typeof value === 'string') return isWholeReference(value) ? resolveId(referencedIds(value)[0] as string) : value;
    if (Array.isArray(value)) return value.map((item, index) => substitute(item, childId(id, index)));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        Object.defineProperty(out, key, {
          value: substitute(item, childId(id, key)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
    return value;
  };
  return {
    configFiles: input.files.map((f) => f.file),
    root: merged.root,
    components: walked.components,
    expressions: walked.expressions,
    references: walked.references,
    drafts,
    has: (id) => raw(id) !== undefined,
    raw,
    locate: (id) => merged.origins.locate(id),
    resolve: resolveId,
  };
}
