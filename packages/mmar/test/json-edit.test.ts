import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { insertJsonItem, parseJsonSyntax, removeJsonValue, setJsonValue, toJsonValue, jsonPointer, parseJsonPointer } from '@medaas/mmar';

const value = (text: string): unknown => toJsonValue(parseJsonSyntax(text));

describe('setJsonValue', () => {
  it('changes only the bytes of the edited value', () => {
    const text = '{\n  "epochs": 1260,\n  "train": {"args":{ "x" : [1,2] }}\n}\n';
    expect(setJsonValue(text, '/epochs', 300)).toBe('{\n  "epochs": 300,\n  "train": {"args":{ "x" : [1,2] }}\n}\n');
    expect(setJsonValue(text, '/train/args/x/1', 5)).toBe('{\n  "epochs": 1260,\n  "train": {"args":{ "x" : [1,5] }}\n}\n');
  });

  it('keeps the spelling style of numbers: exponents stay exponents, floats stay floats for Python', () => {
    expect(setJsonValue('{"lr": 1e-4}', '/lr', 0.00005)).toBe('{"lr": 5e-5}');
    expect(setJsonValue('{"lr": 3E-4}', '/lr', 0.0001)).toBe('{"lr": 1E-4}');
    expect(setJsonValue('{"lr": 1e+2}', '/lr', 300)).toBe('{"lr": 3e+2}');
    expect(setJsonValue('{"lr": 0.0002}', '/lr', 0.0001)).toBe('{"lr": 0.0001}');
    expect(setJsonValue('{"b_max": 1.0}', '/b_max', 2)).toBe('{"b_max": 2.0}');
    expect(setJsonValue('{"n": 2}', '/n', 3)).toBe('{"n": 3}');
  });

  it('inserts a missing member after its siblings, formatted like them', () => {
    expect(setJsonValue('{\n    "a": 1,\n    "b": 2\n}', '/c', { d: [1, 2] })).toBe(
      '{\n    "a": 1,\n    "b": 2,\n    "c": {\n        "d": [1, 2]\n    }\n}',
    );
    expect(setJsonValue('{ "a": 1 }', '/b', true)).toBe('{ "a": 1, "b": true }');
    expect(setJsonValue('{\r\n\t"a": 1\r\n}', '/b', { c: 1 })).toBe('{\r\n\t"a": 1,\r\n\t"b": {\r\n\t\t"c": 1\r\n\t}\r\n}');
  });

  it('inserts into empty objects and arrays, and before a named sibling', () => {
    expect(setJsonValue('{\n  "args": {}\n}', '/args/lr', 1)).toBe('{\n  "args": {\n    "lr": 1\n  }\n}');
    expect(setJsonValue('{"a": []}', '/a/0', 'x')).toBe('{"a": ["x"]}');
    expect(setJsonValue('{\n  "a": 1,\n  "train": {}\n}', '/epochs', 5, { before: 'train' })).toBe(
      '{\n  "a": 1,\n  "epochs": 5,\n  "train": {}\n}',
    );
    expect(setJsonValue('{"a": [1, 2]}', '/a/-', 3)).toBe('{"a": [1, 2, 3]}');
  });

  it('escapes keys and strings, and refuses non-finite numbers and missing parents', () => {
    expect(value(setJsonValue('{}', '/a~1b', 'say "hi"\n'))).toEqual({ 'a/b': 'say "hi"\n' });
    expect(() => setJsonValue('{"a": 1}', '/a', Number.NaN)).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }));
    expect(() => setJsonValue('{"a": 1}', '/b/c', 1)).toThrowError(expect.objectContaining({ code: 'MMAR_POINTER_NOT_FOUND' }));
    expect(() => setJsonValue('{"a": [1]}', '/a/5', 1)).toThrowError(expect.objectContaining({ code: 'MMAR_POINTER_NOT_FOUND' }));
    expect(() => setJsonValue('{"a": 1,}', '/a', 1)).toThrowError(expect.objectContaining({ code: 'MMAR_INVALID_JSON' }));
  });
});

describe('removeJsonValue and insertJsonItem', () => {
  it('removes a member with its comma, whichever position it has', () => {
    const text = '{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}';
    expect(removeJsonValue(text, '/a')).toBe('{\n  "b": 2,\n  "c": 3\n}');
    expect(removeJsonValue(text, '/b')).toBe('{\n  "a": 1,\n  "c": 3\n}');
    expect(removeJsonValue(text, '/c')).toBe('{\n  "a": 1,\n  "b": 2\n}');
    expect(removeJsonValue('{"a": [1]}', '/a/0')).toBe('{"a": []}');
    expect(removeJsonValue(text, '/zzz')).toBe(text);
  });

  it('inserts an array item before another, formatted like its siblings', () => {
    expect(insertJsonItem('[2, 3]', '/0', 1)).toBe('[1, 2, 3]');
    expect(insertJsonItem('[\n  {"a": 2}\n]', '/0', { a: 1 })).toBe('[\n  {\n    "a": 1\n  },\n  {"a": 2}\n]');
    expect(insertJsonItem('[1]', '/1', 2)).toBe('[1, 2]');
    expect(() => insertJsonItem('{"a": 1}', '/a/0', 1)).toThrowError(expect.objectContaining({ code: 'MMAR_POINTER_NOT_FOUND' }));
  });
});

describe('edits, property-based', () => {
  const doc = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 6 });
  it('setting a value changes the parsed document exactly there, and keeps the bytes before and after', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(0, 2, 4, '\t'), fc.nat(), fc.jsonValue({ maxDepth: 2 }), (object, indent, pick, replacement) => {
        const text = JSON.stringify(object, null, indent);
        const keys = Object.keys(object);
        const key = keys[pick % keys.length] as string;
        const pointer = jsonPointer([key]);
        const edited = setJsonValue(text, pointer, replacement as never);
        const expected = JSON.parse(text) as Record<string, unknown>;
        expected[key] = JSON.parse(JSON.stringify(replacement));
        expect(value(edited)).toEqual(expected);
        const node = parseJsonSyntax(text);
        const member = node.kind === 'object' ? node.members.findLast((m) => m.key === key) : undefined;
        expect(edited.startsWith(text.slice(0, member?.value.start))).toBe(true);
        expect(edited.endsWith(text.slice(member?.value.end))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('inserting then removing a new key gives back the original text', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(0, 2, 4), fc.jsonValue({ maxDepth: 2 }), (object, indent, inserted) => {
        const text = JSON.stringify(object, null, indent);
        const key = '\u0000new';
        const edited = setJsonValue(text, jsonPointer([key]), inserted as never);
        expect((value(edited) as Record<string, unknown>)[key]).toEqual(JSON.parse(JSON.stringify(inserted)));
        expect(removeJsonValue(edited, jsonPointer([key]))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('JSON pointers round-trip through parseJsonPointer', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (segments) => {
        expect(parseJsonPointer(jsonPointer(segments))).toEqual(segments);
      }),
    );
  });

  it('never throws anything but typed errors on malformed documents', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          setJsonValue(text, '/a', 1);
        } catch (error) {
          expect(isMedaasError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
