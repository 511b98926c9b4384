import { describe, expect, it } from 'vitest';
import { createProgressReporter, redactingLogger, silentLogger, type Progress } from '@medaas/core';

describe('progress reporter', () => {
  it('throttles to about one report per percent and always reports the end', () => {
    const seen: Progress[] = [];
    const reporter = createProgressReporter((p) => seen.push(p), { phase: 'decompress', total: 1_000_000 });
    for (let loaded = 0; loaded <= 1_000_000; loaded += 1000) reporter.update(loaded);
    reporter.done();
    expect(seen.length).toBeGreaterThan(90);
    expect(seen.length).toBeLessThan(110);
    expect(seen.at(-1)).toEqual({ phase: 'decompress', loaded: 1_000_000, total: 1_000_000 });
    expect(seen.every((p) => p.phase === 'decompress')).toBe(true);
  });

  it('survives a callback that throws and works without a callback', () => {
    const reporter = createProgressReporter(
      () => {
        throw new Error('ui bug');
      },
      { phase: 'x', total: 10 },
    );
    expect(() => reporter.update(5)).not.toThrow();
    expect(() => createProgressReporter(undefined, { phase: 'x' }).done(3)).not.toThrow();
  });
});

describe('redactingLogger', () => {
  it('never lets a secret field through', () => {
    const lines: unknown[] = [];
    const sink = {
      debug: (...args: unknown[]) => lines.push(args),
      info: (...args: unknown[]) => lines.push(args),
      warn: (...args: unknown[]) => lines.push(args),
      error: (...args: unknown[]) => lines.push(args),
    };
    const log = redactingLogger(sink);
    log.info('connecting', { host: 'login.hpc', password: 'hunter2' });
    log.warn('plain');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(lines).toEqual([['connecting', { host: 'login.hpc', password: '[redacted]' }], ['plain']]);
    expect(redactingLogger(undefined)).toBe(silentLogger);
  });
});
