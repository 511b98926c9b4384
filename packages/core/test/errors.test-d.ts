import { describe, expectTypeOf, it } from 'vitest';
import { CoreError, isMedaasError, type CoreErrorCode, type MedaasError } from '@medaas/core';

// What callers rely on at compile time: error codes are literal unions that narrow, not plain strings.
describe('error codes as types', () => {
  it('isMedaasError with codes narrows the error to exactly those codes', () => {
    const error: unknown = new CoreError('CORE_TIMEOUT', 'gave up');
    if (isMedaasError(error, 'CORE_TIMEOUT', 'NIFTI_TRUNCATED')) {
      expectTypeOf(error).toEqualTypeOf<MedaasError<'CORE_TIMEOUT' | 'NIFTI_TRUNCATED'>>();
      expectTypeOf(error.code).toEqualTypeOf<'CORE_TIMEOUT' | 'NIFTI_TRUNCATED'>();
      expectTypeOf(error.details).toEqualTypeOf<Readonly<Record<string, unknown>>>();
    }
  });

  it('isMedaasError without codes narrows to a medaas error with a string code', () => {
    const error: unknown = undefined;
    if (isMedaasError(error)) expectTypeOf(error.code).toEqualTypeOf<string>();
    // @ts-expect-error an unknown value has no code before it is narrowed
    void error.code;
  });

  it("a class's code is its literal union, and a code outside it does not compile", () => {
    expectTypeOf<CoreError['code']>().toEqualTypeOf<CoreErrorCode>();
    expectTypeOf<CoreErrorCode>().toEqualTypeOf<'CORE_TIMEOUT' | 'CORE_INVALID_ARGUMENT'>();
    expectTypeOf(new CoreError('CORE_INVALID_ARGUMENT', 'bad')).toMatchTypeOf<MedaasError>();
    // @ts-expect-error CORE_TIMED_OUT is not one of CoreError's codes
    void new CoreError('CORE_TIMED_OUT', 'gave up');
  });

  it('a switch over a narrowed code is exhaustive', () => {
    const describeCode = (error: CoreError): string => {
      switch (error.code) {
        case 'CORE_TIMEOUT':
          return 'timeout';
        case 'CORE_INVALID_ARGUMENT':
          return 'argument';
        default:
          expectTypeOf(error.code).toBeNever();
          return error.code;
      }
    };
    expectTypeOf(describeCode).returns.toBeString();
  });
});
