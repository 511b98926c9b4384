import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { quoteShell, sh, shellCommand, toCommandLine } from '../src/index.js';

/** Runs a command line through the real /bin/sh and returns what printf printed, split on NUL. */
function printed(line: string): string[] {
  const result = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout.split('\0').slice(0, -1);
}

describe('shell quoting', () => {
  it('passes any string (without NUL) through /bin/sh unchanged', () => {
    const values = fc.sample(
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
      300,
    );
    values.push("'", "''", '"', '$(touch /tmp/pwned)', '`id`', 'a\nb', '-n', '*', '~', '!', '\\', ' ', '', 'x=y', '${HOME}');
    expect(printed(sh`printf '%s\\0' ${values}`.text)).toEqual(values);
  });

  it('quotes each argv element as one word and embeds sh commands as they are', () => {
    const inner = sh`echo ${'a b'}`;
    expect(sh`${inner} && printf %s ${"it's"}`.text).toBe("echo 'a b' && printf %s 'it'\\''s'");
    expect(shellCommand(['ls', '--', 'my scans']).text).toBe("ls -- 'my scans'");
    expect(toCommandLine(['printf', '%s', '$HOME'])).toBe("printf %s '$HOME'");
  });

  it('refuses NUL bytes, plain strings and non-scalar values', () => {
    const codes = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (error) {
        return isMedaasError(error) ? error.code : 'other';
      }
    };
    expect(codes(() => quoteShell('a\0b'))).toBe('SSH_INVALID_ARGUMENT');
    expect(codes(() => toCommandLine('rm -rf /' as never))).toBe('SSH_INVALID_ARGUMENT');
    expect(codes(() => sh`echo ${{ toString: () => ';reboot' } as never}`)).toBe('SSH_INVALID_ARGUMENT');
    expect(codes(() => shellCommand([]))).toBe('SSH_INVALID_ARGUMENT');
  });

  it('never lets a hostile value start a second command (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-ascii' }), { minLength: 1, maxLength: 5 }), (values) => {
        expect(printed(sh`printf '%s\\0' ${values}`.text)).toEqual(values);
      }),
      { numRuns: 40 },
    );
  });
});
