import { parentJsonPointer } from '@medaas/core';
import type { MmarIssue, MmarIssueCode } from '../findings.js';
import { bundleConfigPosition, type BundleConfigDocument } from './bundle-config.js';

/** Where a value of a bundle's configuration is written: file and JSON pointer, and the macro that copied it. */
export interface BundleLocation {
  /** Bundle-relative path, or `<overrides>` for a command-line override. */
  readonly file: string;
  /** RFC 6901 pointer inside `file`. */
  readonly pointer: string;
  /** The `%` macro that copied this value to where it is used, when it was copied. */
  readonly via?: BundleLocation;
}

/** A finding of a resolved run before its line and column are looked up (`validateBundle` turns these into `MmarIssue`s). */
export interface BundleIssueDraft {
  readonly severity: MmarIssue['severity'];
  readonly code: MmarIssueCode;
  readonly location: BundleLocation | undefined;
  readonly message: string;
}

/** Turns drafts into findings with line and column, one per distinct finding, ordered by file and position. */
export function toIssues(
  drafts: readonly BundleIssueDraft[],
  configs: ReadonlyMap<string, BundleConfigDocument>,
  fallbackFile: string,
): MmarIssue[] {
  const seen = new Set<string>();
  const out: MmarIssue[] = [];
  for (const draft of drafts) {
    const file = draft.location?.file ?? fallbackFile;
    const pointer = draft.location?.pointer ?? '';
    const via = draft.location?.via ? ` (copied by the macro at ${draft.location.via.file}${draft.location.via.pointer || ''})` : '';
    const message = draft.message + via;
    // The same finding reached through another run (or through the macro that copied it) is one finding.
    const key = `${draft.code}\0${file}\0${pointer}\0${draft.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const document = configs.get(file);
    // A finding about a missing key has no position of its own: it is shown at its parent.
    const position = document
      ? (bundleConfigPosition(document, pointer) ?? bundleConfigPosition(document, parentJsonPointer(pointer)))
      : undefined;
    out.push({ severity: draft.severity, code: draft.code, file, pointer, message, ...(position ?? {}) });
  }
  const order = (i: MmarIssue): [string, number, number] => [i.file, i.line ?? 0, i.column ?? 0];
  return out.sort((a, b) => {
    const [fa, la, ca] = order(a);
    const [fb, lb, cb] = order(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}
