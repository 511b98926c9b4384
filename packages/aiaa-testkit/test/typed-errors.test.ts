import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { fitWindowModel, parseWindowModel } from '@medaas/aiaa-testkit';

// The testkit's own functions fail with MedaasErrors and literal codes, as the rest of the SDK does.
describe('typed errors of the testkit functions', () => {
  it('parseWindowModel: TESTKIT_INVALID_MODEL for data that is not a testkit model, naming what is wrong', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('{"format": "something else", "version": 1}'), /format "something else"/],
      [new TextEncoder().encode('[1, 2, 3]'), /JSON object/],
      [Uint8Array.of(0x1f, 0x8b, 0x08), /not a JSON medaas testkit model/],
    ];
    for (const [bytes, message] of cases) {
      let caught: unknown;
      try {
        parseWindowModel(bytes);
      } catch (error) {
        caught = error;
      }
      expect(isMedaasError(caught, 'TESTKIT_INVALID_MODEL'), String(caught)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
  });

  it('fitWindowModel: TESTKIT_INVALID_TRAINING_DATA without pairs', async () => {
    await expect(fitWindowModel([])).rejects.toMatchObject({
      code: 'TESTKIT_INVALID_TRAINING_DATA',
      message: 'fit needs at least one training pair',
    });
  });
});
