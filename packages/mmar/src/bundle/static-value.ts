import type { BundleLocation } from './bundle-findings.js';
import { isWholeReference, referencedIds } from './ids.js';
import type { BundleResolution } from './resolution.js';

// A few expression shapes are so common in the Model Zoo that their value is known without Python:
// `$@x` (the value of x), `$len(@x)` (the number of labels of a `label_names` map) and string
// concatenations such as `$@bundle_root + '/configs/datalist.json'`. Anything else is unknown.

const MAX_HOPS = 64;

/** Where the value of an id is really written: references (`@x`, `$@x`) followed to the id holding a literal. */
export interface DefinitionSite {
  readonly id: string;
  readonly location: BundleLocation | undefined;
}

function alias(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (isWholeReference(value)) return referencedIds(value)[0];
  const match = /^\$\s*@(\w+(?:(?:#|::)\w+)*)\s*$/.exec(value);
  return match ? (referencedIds(`@${match[1] as string}`)[0] as string) : undefined;
}

/**
 * Follows `@x` and `$@x` from an id to the id whose value is written literally (or is another expression).
 * Undefined when the chain dangles or loops.
 */
export function definitionSite(resolution: BundleResolution, id: string): DefinitionSite | undefined {
  let current = id;
  const seen = new Set<string>();
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (seen.has(current) || !resolution.has(current)) return undefined;
    seen.add(current);
    const next = alias(resolution.raw(current));
    if (next === undefined) return { id: current, location: resolution.locate(current) };
    current = next;
  }
  return undefined;
}

function literal(resolution: BundleResolution, id: string): unknown {
  const site = definitionSite(resolution, id);
  return site ? resolution.raw(site.id) : undefined;
}

/**
 * The value of an id when it can be known statically: a literal, a reference to one, `$len(@x)`, or a
 * concatenation of string literals and references to strings. Undefined otherwise.
 */
export function staticValue(resolution: BundleResolution, id: string, depth = 0): unknown {
  const value = literal(resolution, id);
  if (typeof value !== 'string' || !value.startsWith('$')) return value;
  if (depth > 8) return undefined;
  const length = /^\$\s*len\(\s*@(\w+(?:(?:#|::)\w+)*)\s*\)\s*$/.exec(value);
  if (length) {
    const target = staticValue(resolution, referencedIds(`@${length[1] as string}`)[0] as string, depth + 1);
    if (Array.isArray(target)) return target.length;
    if (typeof target === 'object' && target !== null) return Object.keys(target).length;
    return undefined;
  }
  const parts = value
    .slice(1)
    .split('+')
    .map((part) => part.trim());
  let out = '';
  for (const part of parts) {
    const quoted = /^(['"])([^'"\\]*)\1$/.exec(part);
    if (quoted) out += quoted[2] as string;
    else if (/^@\w+(?:(?:#|::)\w+)*$/.test(part)) {
      const resolved = staticValue(resolution, referencedIds(part)[0] as string, depth + 1);
      if (typeof resolved !== 'string') return undefined;
      out += resolved;
    } else return undefined;
  }
  return out;
}
