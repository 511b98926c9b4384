// The README's quick start, run as written against a local stand-in for a model list.
import { expect, it } from 'vitest';
import { MedaasError, isMedaasError, retry, withCallScope } from '@medaas/core';

class DemoError extends MedaasError<'DEMO_DOWN'> {}

it('the quick start runs as written', async () => {
  const signal = new AbortController().signal;
  let calls = 0;
  const fetchModels = async ({ signal: s }: { signal: AbortSignal }): Promise<string[]> => {
    calls += 1;
    if (s.aborted) throw s.reason;
    if (calls === 1) throw new Error('connection reset');
    return ['segmentation_spleen'];
  };

  const models = await retry(() => withCallScope('listModels', { timeoutMs: 30_000, signal }, (s) => fetchModels({ signal: s })), {
    retries: 2,
    signal,
    minDelayMs: 1,
    shouldRetry: ({ error }) => !isMedaasError(error, 'DEMO_DOWN'),
  });

  expect(models).toEqual(['segmentation_spleen']);
  expect(calls).toBe(2);
  await expect(
    retry(() => Promise.reject(new DemoError('DEMO_DOWN', 'down')), {
      retries: 2,
      shouldRetry: ({ error }) => !isMedaasError(error, 'DEMO_DOWN'),
    }),
  ).rejects.toMatchObject({ code: 'DEMO_DOWN' });
});
