import { describe, expect, it } from 'vitest';
import { CoreError, MedaasError, REDACTED, isMedaasError, redact } from '@medaas/core';

class DemoError extends MedaasError<'DEMO_BROKEN' | 'DEMO_GONE'> {}

describe('MedaasError', () => {
  it('carries a literal code, a message, details and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new DemoError('DEMO_BROKEN', 'the demo broke', { details: { file: 'a.nii' }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DemoError');
    expect(error.code).toBe('DEMO_BROKEN');
    expect(error.message).toBe('the demo broke');
    expect(error.details).toEqual({ file: 'a.nii' });
    expect(error.cause).toBe(cause);
    expect(error.stack).toContain('DemoError');
  });

  it('redacts secrets in details when it is made, at any depth', () => {
    const error = new DemoError('DEMO_BROKEN', 'login failed', {
      details: { username: 'ana', password: 'hunter2', auth: { passphrase: 'x', privateKey: 'PEM' }, token: 't' },
    });
    const text = JSON.stringify(error);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('PEM');
    expect(error.details).toEqual({
      username: 'ana',
      password: REDACTED,
      auth: { passphrase: REDACTED, privateKey: REDACTED },
      token: REDACTED,
    });
  });

  it('is recognised by brand, also when it comes from another copy of the package', () => {
    const error = new CoreError('CORE_TIMEOUT', 'late');
    expect(isMedaasError(error)).toBe(true);
    expect(isMedaasError(error, 'CORE_TIMEOUT')).toBe(true);
    expect(isMedaasError(error, 'CORE_INVALID_ARGUMENT')).toBe(false);
    // A structurally identical error from a duplicate install shares the registered symbol.
    const foreign = Object.assign(new Error('x'), { code: 'CORE_TIMEOUT' });
    Object.defineProperty(foreign, Symbol.for('@medaas/core/error'), { value: true });
    expect(isMedaasError(foreign, 'CORE_TIMEOUT')).toBe(true);
    expect(isMedaasError(new Error('plain'))).toBe(false);
    expect(isMedaasError(null)).toBe(false);
    expect(isMedaasError('CORE_TIMEOUT')).toBe(false);
  });

  it('serialises to a log-friendly object', () => {
    const error = new DemoError('DEMO_GONE', 'gone', { cause: new TypeError('bad') });
    expect(error.toJSON()).toEqual({
      name: 'DemoError',
      code: 'DEMO_GONE',
      message: 'gone',
      details: {},
      cause: { name: 'TypeError', message: 'bad' },
    });
  });
});

describe('redact', () => {
  it('cuts cycles and summarises binary data', () => {
    const value: Record<string, unknown> = { data: new Uint8Array(10), apiKey: 'k' };
    value['self'] = value;
    expect(redact(value)).toEqual({ data: '[Uint8Array 10 bytes]', apiKey: REDACTED, self: '[circular]' });
  });

  it('leaves the input untouched', () => {
    const input = { password: 'p' };
    redact(input);
    expect(input.password).toBe('p');
  });
});
