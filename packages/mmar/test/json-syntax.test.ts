import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { MmarError, parseJsonSyntax, toJsonValue, positionAt, nodeAt } from '@medaas/mmar';

function invalid(text: string): { line: number; column: number; message: string } {
  try {
    parseJsonSyntax(text, 'config/config_train.json');
  } catch (error) {
    expect(error).toBeInstanceOf(MmarError);
    expect(isMedaasError(error, 'MMAR_INVALID_JSON')).toBe(true);
    const details = (error as MmarError).details as { line: number; column: number; file: string };
    expect(details.file).toBe('config/config_train.json');
    return { line: details.line, column: details.column, message: (error as Error).message };
  }
  throw new Error('expected MMAR_INVALID_JSON');
}

describe('parseJsonSyntax', () => {
  it('reports line and column of a trailing comma, the most common hand-editing mistake', () => {
    const text = '{\n  "epochs": 1260,\n  "learning_rate": 2e-4,\n}';
    expect(invalid(text)).toMatchObject({ line: 4, column: 1 });
    expect(invalid(text).message).toMatch(/^config\/config_train\.json:4:1: expected a property name/);
  });

  it('reports comments, unquoted keys, single quotes, missing commas and colons where they are', () => {
    expect(invalid('{\n  // lr\n  "a": 1\n}')).toMatchObject({ line: 2, column: 3 });
    expect(invalid('{\n  "a": 1\n  "b": 2\n}')).toMatchObject({ line: 3, column: 3 });
    expect(invalid('{"a" 1}')).toMatchObject({ line: 1, column: 6 });
    expect(invalid("{'a': 1}")).toMatchObject({ line: 1, column: 2 });
    expect(invalid('{a: 1}')).toMatchObject({ line: 1, column: 2 });
    expect(invalid('[1, 2')).toMatchObject({ line: 1, column: 6 });
    expect(invalid('')).toMatchObject({ line: 1, column: 1 });
    expect(invalid('{"a": 1} x')).toMatchObject({ line: 1, column: 10 });
  });

  it('rejects what JSON rejects in strings and numbers', () => {
    expect(invalid('"abc')).toMatchObject({ line: 1 });
    expect(invalid('"a\nb"').message).toMatch(/control character/);
    expect(invalid('"\\x41"').message).toMatch(/invalid escape/);
    expect(invalid('"\\u12G4"').message).toMatch(/\\u escape/);
    for (const bad of ['01', '1.', '.5', '+1', '1e', '-', 'NaN', 'Infinity', '0x10', 'tru', 'nul']) invalid(bad);
  });

  it('refuses absurd nesting with a typed error instead of a stack overflow', () => {
    expect(invalid('['.repeat(5000) + ']'.repeat(5000)).message).toMatch(/nesting deeper than 1000/);
  });

  it('accepts a leading byte order mark and CRLF line ends', () => {
    expect(toJsonValue(parseJsonSyntax('\uFEFF{\r\n  "a": [1, 2]\r\n}'))).toEqual({ a: [1, 2] });
  });

  it('records source spans so the exact spelling of every value is recoverable', () => {
    const text = '{ "lr": 1e-4, "b_max": 1.0, "keys": ["image", "label"] }';
    const root = parseJsonSyntax(text);
    const lr = nodeAt(root, '/lr');
    const bMax = nodeAt(root, '/b_max');
    expect(lr && text.slice(lr.start, lr.end)).toBe('1e-4');
    expect(bMax && text.slice(bMax.start, bMax.end)).toBe('1.0');
    expect(nodeAt(root, '/keys/1')).toMatchObject({ kind: 'string', value: 'label' });
    expect(nodeAt(root, '/keys/2')).toBeUndefined();
  });

  it('keeps __proto__ as data and lets the last duplicate key win, as JSON.parse does', () => {
    const value = toJsonValue(parseJsonSyntax('{"__proto__": {"polluted": 1}, "a": 1, "a": 2}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value['a']).toBe(2);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('positionAt counts lines and columns from 1', () => {
    expect(positionAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('agrees with JSON.parse on every JSON value, whatever the indentation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, 4, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(toJsonValue(parseJsonSyntax(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly the texts JSON.parse accepts, and fails only with a typed error', () => {
    const jsonish = fc
      .array(fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\n', '1', '-', '.', 'e', 'a', 't', 'true', 'null', '\\', 'u'), {
        maxLength: 30,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(jsonish, (text) => {
        let expected: unknown;
        let jsonOk = true;
        try {
          expected = JSON.parse(text);
        } catch {
          jsonOk = false;
        }
        try {
          const value = toJsonValue(parseJsonSyntax(text));
          expect(jsonOk).toBe(true);
          expect(value).toEqual(expected);
        } catch (error) {
          if (!isMedaasError(error, 'MMAR_INVALID_JSON')) throw error;
          expect(jsonOk).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
