import type { Progress, ProgressCallback } from '@medaas/core';

/** Where progress is drawn: a terminal (a bar, rewritten in place) or a pipe or file (plain lines). */
export interface ProgressSink {
  readonly stream: NodeJS.WritableStream;
  readonly terminal: boolean;
}

const BAR_WIDTH = 24;
/** Piped, a phase with a known total prints at its start, at these percentages and at its end: logs stay short. */
const PIPED_STEPS = [25, 50, 75];

/**
 * Progress for the calls of one command run. Each call gets its own labelled callback, so two calls never
 * share a line: on a terminal each report redraws `label  phase  [#####.....]  42 %` in place (a new line when
 * another call or phase reports), piped each call prints `label: phase 25 %` lines.
 */
export function createProgressView(sink: ProgressSink): (label: string) => ProgressCallback {
  let current: string | undefined;
  let open = false;
  const endLine = (): void => {
    if (open) sink.stream.write('\n');
    open = false;
  };
  return (label) => {
    const printed = new Map<string, number>();
    return (progress: Progress) => {
      const percent = progress.total ? Math.min(100, Math.floor((100 * progress.loaded) / progress.total)) : undefined;
      const key = `${label}\u0000${progress.phase}`;
      if (sink.terminal) {
        if (current !== key) endLine();
        current = key;
        const amount =
          percent === undefined ? amountText(progress.loaded, progress.phase) : `${bar(percent)} ${String(percent).padStart(3)} %`;
        sink.stream.write(`\r\u001b[2K${label}  ${progress.phase}  ${amount}`);
        open = true;
        if (percent === 100) {
          endLine();
          current = undefined;
        }
        return;
      }
      const last = printed.get(progress.phase);
      const step = percent === undefined ? 0 : percent === 100 ? 100 : Math.max(0, ...PIPED_STEPS.filter((s) => s <= percent));
      if (last !== undefined && step <= last) return;
      printed.set(progress.phase, step);
      sink.stream.write(
        `${label}: ${progress.phase} ${percent === undefined ? amountText(progress.loaded, progress.phase) : `${percent} %`}\n`,
      );
    };
  };
}

function bar(percent: number): string {
  const full = Math.round((BAR_WIDTH * percent) / 100);
  return `[${'#'.repeat(full)}${'.'.repeat(BAR_WIDTH - full)}]`;
}

/** Bytes for byte phases, plain counts otherwise. */
function amountText(loaded: number, phase: string): string {
  if (!/load|upload|download|read|write|encode|decompress|compress/.test(phase)) return loaded.toLocaleString('en');
  if (loaded < 1024 * 1024) return `${(loaded / 1024).toFixed(0)} KiB`;
  return `${(loaded / 1024 / 1024).toFixed(1)} MiB`;
}
