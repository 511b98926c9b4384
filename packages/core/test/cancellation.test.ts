import { describe, expect, it, vi } from 'vitest';
import { isMedaasError, openCallScope, raceAbort, retry, sleep, throwIfAborted, withCallScope } from '@medaas/core';

describe('sleep', () => {
  it('waits and resolves', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it('rejects with the signal reason, not a relabelled error', async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed cancel');
    const pending = sleep(60_000, { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('rejects at once for an aborted signal and for a negative delay', async () => {
    await expect(sleep(10, { signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    await expect(sleep(-1)).rejects.toMatchObject({ code: 'CORE_INVALID_ARGUMENT' });
  });
});

describe('call scope', () => {
  it('times out with a typed CORE_TIMEOUT reason naming the operation', async () => {
    const error = await withCallScope('listModels', { timeoutMs: 5 }, (signal) => sleep(60_000, { signal })).catch((e: unknown) => e);
    expect(isMedaasError(error, 'CORE_TIMEOUT')).toBe(true);
    expect((error as Error).message).toContain('listModels');
  });

  it('forwards the caller abort reason unchanged', async () => {
    const controller = new AbortController();
    const pending = withCallScope('x', { signal: controller.signal, timeoutMs: 60_000 }, () => new Promise(() => {}));
    controller.abort('cancelled by user');
    await expect(pending).rejects.toBe('cancelled by user');
  });

  it('rejects invalid timeouts and releases its timer', () => {
    expect(() => openCallScope('x', { timeoutMs: -5 })).toThrowError(/non-negative/);
    const scope = openCallScope('x', { timeoutMs: 10 });
    scope.dispose();
    scope.dispose();
    expect(scope.signal.aborted).toBe(false);
  });

  it('throwIfAborted throws the reason', () => {
    expect(() => throwIfAborted(AbortSignal.abort('r'))).toThrow('r');
    expect(() => throwIfAborted(undefined)).not.toThrow();
  });

  it('raceAbort observes the losing promise so nothing is left unhandled', async () => {
    const onUnhandled = vi.fn();
    process.on('unhandledRejection', onUnhandled);
    const controller = new AbortController();
    const slow = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late failure')), 5));
    const raced = raceAbort(slow, controller.signal);
    controller.abort('stop');
    await expect(raced).rejects.toBe('stop');
    await sleep(20);
    process.off('unhandledRejection', onUnhandled);
    expect(onUnhandled).not.toHaveBeenCalled();
  });
});

describe('retry', () => {
  it('retries until success with growing delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { retries: 5, minDelayMs: 1, factor: 2, jitter: false, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2]);
  });

  it('rethrows the last error unchanged when retries are used up', async () => {
    const last = new Error('still down');
    await expect(retry(() => Promise.reject(last), { retries: 2, minDelayMs: 0 })).rejects.toBe(last);
  });

  it('stops when shouldRetry says no', async () => {
    let calls = 0;
    const error = new Error('404');
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(error);
        },
        { retries: 5, minDelayMs: 0, shouldRetry: () => false },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('honours the signal between attempts and rejects with its reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const pending = retry(
      () => {
        calls += 1;
        if (calls === 1) setTimeout(() => controller.abort('cancel'), 5);
        return Promise.reject(new Error('down'));
      },
      { retries: 10, minDelayMs: 60_000, jitter: false, signal: controller.signal },
    );
    await expect(pending).rejects.toBe('cancel');
    expect(calls).toBe(1);
  });

  it('refuses negative options', async () => {
    await expect(retry(() => Promise.resolve(1), { retries: -1 })).rejects.toMatchObject({ code: 'CORE_INVALID_ARGUMENT' });
  });
});
