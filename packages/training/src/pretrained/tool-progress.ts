/** Bytes done and, when the line says, in all, as a catalog tool's progress line reports them. */
export interface ToolProgress {
  readonly loaded: number;
  readonly total?: number;
}

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes for a number and a unit such as `M` (tqdm), `MiB` (rich), `MB` (NGC's summary) or none. */
function bytes(value: string, unit: string | undefined): number | undefined {
  const prefix = (unit ?? '').replace(/i?B$/, '').toUpperCase();
  const factor = unit === 'B' ? 1 : UNITS[prefix];
  return factor === undefined ? undefined : Math.round(Number(value) * factor);
}

// `12.8M/28.5M` (tqdm, as MONAI's download prints it), `1.2/20.6 MiB` (rich, newer NGC CLIs),
// `3.0 MB/28.5 MB`: the second number must carry a unit, so `1/7` files or a date never match.
const RATIO = /(\d+(?:\.\d+)?)\s?([kKMGT]i?B?|B)?\s?\/\s?(\d+(?:\.\d+)?)\s?([kKMGT]i?B?|B)(?![A-Za-z/])/;
// The NGC CLI's closing summary: `Downloaded 85.32 MB in 4m 29s, Download speed: 324.34 KB/s`.
const SUMMARY = /^\s*Downloaded (\d+(?:\.\d+)?) ([KMGT]?i?B) in /;

/**
 * The byte progress in one line of `ngc registry model download-version` or `python -m monai.bundle
 * download` output, or `undefined` when the line reports none. Sizes are binary (K = 1024), as tqdm's are in
 * MONAI's download; a rate such as `5.1MB/s` is not a size.
 *
 * @example
 * ```ts
 * parseToolProgress('spleen_ct_segmentation_v0.5.4.zip:  45%|####5     | 12.8M/28.5M [00:02<00:03, 5.1MB/s]');
 * // { loaded: 13421773, total: 29884416 }
 * ```
 */
export function parseToolProgress(line: string): ToolProgress | undefined {
  const summary = SUMMARY.exec(line);
  if (summary) {
    const done = bytes(summary[1]!, summary[2]);
    return done === undefined ? undefined : { loaded: done, total: done };
  }
  const ratio = RATIO.exec(line);
  if (!ratio) return undefined;
  const totalUnit = ratio[4];
  const loaded = bytes(ratio[1]!, ratio[2] ?? totalUnit);
  const total = bytes(ratio[3]!, totalUnit);
  if (loaded === undefined || total === undefined || !Number.isFinite(loaded) || !Number.isFinite(total)) return undefined;
  return { loaded, total };
}
