import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendJsonPointer,
  escapeJsonPointerToken,
  formatJsonPointer,
  isMedaasError,
  jsonPointerIndex,
  parentJsonPointer,
  parseJsonPointer,
  resolveJsonPointer,
  unescapeJsonPointerToken,
} from '@medaas/core';

describe('JSON pointers (RFC 6901)', () => {
  it('escapes "~" before "/", so "~1" in a key does not turn into "/"', () => {
    expect(escapeJsonPointerToken('a/b~c')).toBe('a~1b~0c');
    expect(escapeJsonPointerToken('~1')).toBe('~01');
    expect(unescapeJsonPointerToken('~01')).toBe('~1');
    expect(formatJsonPointer(['training', 3, 'image'])).toBe('/training/3/image');
    expect(formatJsonPointer([])).toBe('');
    expect(formatJsonPointer([''])).toBe('/');
  });

  it('parses the examples of RFC 6901 section 5', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/foo/0')).toEqual(['foo', '0']);
    expect(parseJsonPointer('/')).toEqual(['']);
    expect(parseJsonPointer('/a~1b')).toEqual(['a/b']);
    expect(parseJsonPointer('/m~0n')).toEqual(['m~n']);
  });

  it('round-trips any tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (tokens) => {
        expect(parseJsonPointer(formatJsonPointer(tokens))).toEqual(tokens);
      }),
    );
  });

  it('refuses text that is not a pointer, naming it', () => {
    for (const text of ['epochs', 'train/epochs', '/a~2b', '/a~']) {
      let error: unknown;
      try {
        parseJsonPointer(text);
      } catch (caught) {
        error = caught;
      }
      expect(isMedaasError(error, 'CORE_INVALID_ARGUMENT'), text).toBe(true);
      expect((error as Error).message).toContain(text.startsWith('/') ? 'must be followed by 0 or 1' : `"${text}" is not a JSON pointer`);
    }
  });

  it('appends, goes up, and reads array indices the strict way', () => {
    expect(appendJsonPointer('/training', 0, 'image')).toBe('/training/0/image');
    expect(appendJsonPointer('', 'a/b')).toBe('/a~1b');
    expect(parentJsonPointer('/train/epochs')).toBe('/train');
    expect(parentJsonPointer('/train')).toBe('');
    expect(parentJsonPointer('')).toBe('');
    expect(jsonPointerIndex('0')).toBe(0);
    expect(jsonPointerIndex('12')).toBe(12);
    expect(jsonPointerIndex('012')).toBeUndefined();
    expect(jsonPointerIndex('-')).toBeUndefined();
    expect(jsonPointerIndex('1e2')).toBeUndefined();
  });

  it('resolves against plain values, following only own keys and array indices', () => {
    const document = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'm~n': 8, list: [{ image: 'a.nii.gz' }] };
    expect(resolveJsonPointer(document, '')).toBe(document);
    expect(resolveJsonPointer(document, '/foo/0')).toBe('bar');
    expect(resolveJsonPointer(document, '/')).toBe(0);
    expect(resolveJsonPointer(document, '/a~1b')).toBe(1);
    expect(resolveJsonPointer(document, '/m~0n')).toBe(8);
    expect(resolveJsonPointer(document, '/list/0/image')).toBe('a.nii.gz');
    expect(resolveJsonPointer(document, '/foo/length')).toBeUndefined();
    expect(resolveJsonPointer(document, '/foo/01')).toBeUndefined();
    expect(resolveJsonPointer(document, '/foo/2')).toBeUndefined();
    expect(resolveJsonPointer(document, '/toString')).toBeUndefined();
    expect(resolveJsonPointer(document, '/foo/0/x')).toBeUndefined();
  });
});
