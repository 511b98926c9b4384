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

/** A finding before its line and column are looked up. */
export interface IssueDraft {
  readonly severity: MmarIssue['severity'];
  readonly code: MmarIssueCode;
  readonly location: BundleLocation | undefined;
  readonly message: string;
}

/** Turns drafts into findings with line and column, one per distinct finding, in a stable order. */
export function toIssues(drafts: readonly IssueDraft[], configs: ReadonlyMap<string, BundleConfigDocument>, fallbackFile: string): MmarIssue[] {
  const seen = new Set<string>();
  const out: MmarIssue[] = [];
  for (const draft of drafts) {
    const file = draft.location?.file ?? fallbackFile;
    const pointer = draft.location?.pointer ?? '';
    const via = draft.location?.via ? ` (copied by the macro at ${draft.location.via.file}${draft.location.via.pointer || ''})` : '';
    const message = draft.message + via;
    const key = `${draft.code}\0${file}\0${pointer}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const document = configs.get(file);
    const position = document ? (bundleConfigPosition(document, pointer) ?? bundleConfigPosition(document, parentPointer(pointer))) : undefined;
    out.push({ severity: draft.severity, code: draft.code, file, pointer, message, ...(position ?? {}) });
  }
  return out;
}

/** The pointer one level up; used when a finding is about a key that is missing. */
function parentPointer(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}
