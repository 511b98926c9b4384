import type { PretrainedChecksum } from './checksum.js';
import type { PretrainedKind } from './archive-kind.js';
import type { PretrainedCatalog } from './pretrained-options.js';

/** The name of the file that marks a complete, verified download inside the model folder. */
export const MARKER_FILE = '.medaas-pretrained.json';

/**
 * What `.medaas-pretrained.json` in a model folder says: written last, after the download was complete and
 * verified, so its presence is what makes a second call a no-op.
 */
export interface DownloadMarker {
  readonly format: 1;
  readonly catalog: PretrainedCatalog;
  readonly name: string;
  readonly version: string;
  readonly kind: PretrainedKind;
  /** ISO 8601 time the download was finished. */
  readonly downloadedAt: string;
  /** The tool that downloaded it, as found on the host. */
  readonly tool: string;
  /** The checksums it was verified with (without `file`: the catalog's archive, not kept). */
  readonly verified: readonly PretrainedChecksum[];
  /** Every file's SHA-256 as downloaded, by relative path. */
  readonly sha256: Readonly<Record<string, string>>;
}

/** The marker's text: stable key order, two-space indentation, a final newline. */
export function formatMarker(marker: DownloadMarker): string {
  return `${JSON.stringify(marker, null, 2)}\n`;
}

/** The marker in a file's text, or `undefined` when it is not one (another tool's file, a truncated write). */
export function parseMarker(text: string): DownloadMarker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Partial<Record<keyof DownloadMarker, unknown>>;
  const strings = [m.catalog, m.name, m.version, m.kind, m.downloadedAt, m.tool].every((v) => typeof v === 'string');
  if (m.format !== 1 || !strings || !Array.isArray(m.verified) || typeof m.sha256 !== 'object' || m.sha256 === null) return undefined;
  return value as DownloadMarker;
}
