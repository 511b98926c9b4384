import type { Progress } from '@medaas/core';

/**
 * Prints progress for a terminal: on a TTY one rewritten line per phase, otherwise one line per phase at
 * its first report and at 100 %, so logs stay short. One printer per call, labelled by it (`step`): a
 * printer shared by two calls would print the second call's first report after the first's 100 %.
 */
export function progressPrinter(step: string): (progress: Progress) => void {
  const announced = new Set<string>();
  return ({ phase, loaded, total }) => {
    const percent = total ? Math.min(100, Math.round((100 * loaded) / total)) : undefined;
    const text = `  ${step} / ${phase}: ${percent === undefined ? loaded.toLocaleString('en') : `${percent} %`}`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${text.padEnd(70)}${percent === 100 ? '\n' : ''}`);
      return;
    }
    const key = `${phase}:${percent === 100 ? 'done' : 'start'}`;
    if (announced.has(key)) return;
    announced.add(key);
    console.log(text);
  };
}
