import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MedaasError } from '@medaas/core';
import {
  editBundleConfig,
  parseBundle,
  parseBundleConfig,
  resolveBundle,
  setBundleEpochs,
  setBundleLabels,
  validateBundle,
} from '@medaas/mmar/bundle';
import { bundleFixture } from './bundle-helpers.js';

/** Runs `work`; anything thrown must be a typed MedaasError. */
function typedOrNothing(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof MedaasError)) throw error;
  }
}

const yamlish = fc
  .array(
    fc.constantFrom(
      'a',
      ':',
      ' ',
      '\n',
      '\t',
      '-',
      '[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '&x',
      '*x',
      '#',
      '@',
      '$',
      '%',
      '0',
      '1.5',
      '<<',
      '---',
      '!!str',
      '|',
      '>',
      ',',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('hostile inputs never throw untyped errors and never hang', () => {
  it('random YAML-ish and JSON-ish texts', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        typedOrNothing(() => parseBundleConfig(text, { file: 'configs/x.yaml' }));
        typedOrNothing(() => parseBundleConfig(text, { file: 'configs/x.json' }));
        typedOrNothing(() => validateBundle({ 'configs/train.yaml': text, 'configs/metadata.json': text }));
      }),
      { numRuns: 400 },
    );
  });

  it('random configurations of references, expressions and macros (cycles included) validate and resolve in bounded time', () => {
    const ids = ['a', 'b', 'c', 'a#x', 'b#0', 'd'];
    const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(
          ...ids.map((id) => `@${id}`),
          ...ids.map((id) => `%${id}`),
          '$@a + @b',
          '@#x',
          '@##y',
          '%configs/train.json#a',
          '%configs/nope.json#a',
          1,
          null,
          '_target_',
        ),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('x', 'y', '_target_', '_disabled_', 'transforms'), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'b#0', 'a#x', '+a'), value, { maxKeys: 6 }), (config) => {
        const text = JSON.stringify(config);
        const files = { 'configs/train.json': text, 'configs/evaluate.json': text };
        typedOrNothing(() => validateBundle(files));
        typedOrNothing(() => {
          const run = resolveBundle(parseBundle(files));
          for (const id of ids) typedOrNothing(() => run.resolve(id));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('macros that double at every level are cut off, not expanded into gigabytes', () => {
    const config: Record<string, string[]> = { l0: ['x', 'x'] };
    for (let i = 1; i < 40; i++) config[`l${i}`] = [`%l${i - 1}`, `%l${i - 1}`];
    const issues = validateBundle({ 'configs/train.json': JSON.stringify(config) });
    expect(issues.some((i) => i.code === 'MMAR_INVALID_CONFIG' && i.message.includes('macros copy more than'))).toBe(true);
  });

  it('a long chain of references and deep nesting', () => {
    const chain = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i === 2999 ? 1 : `@k${i + 1}`]));
    const run = resolveBundle(parseBundle({ 'configs/train.json': JSON.stringify(chain) }));
    expect(() => run.resolve('k0')).toThrowError(expect.objectContaining({ code: 'MMAR_REFERENCE_CYCLE' }));
    expect(validateBundle({ 'configs/train.json': JSON.stringify(chain) })).toEqual([
      expect.objectContaining({ code: 'MMAR_MISSING_FILE', file: 'configs/metadata.json' }),
    ]);
    expect(() => parseBundleConfig(`${'['.repeat(5000)}${']'.repeat(5000)}`, { file: 'x.yaml' })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_YAML' }),
    );
    expect(() => parseBundleConfig(`${'- '.repeat(3000)}x`, { file: 'x.yaml' })).toThrowError(MedaasError);
  });

  it('random edits of a YAML configuration change what they say or fail typed, and keep every other value', () => {
    const text = bundleFixture('endoscopic_inbody_classification')['configs/train.yaml'] as string;
    const document = parseBundleConfig(text, { file: 'configs/train.yaml' });
    const pointers = [
      '/learning_rate',
      '/train/trainer/max_epochs',
      '/network_def/num_classes',
      '/train/handlers/1/tag_name',
      '/imports/0',
      '/train/dataloader/new_key',
      '/nope/x',
      '/train/preprocessing/transforms/2/spatial_size',
    ];
    const scalar = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('yes', '1e-4', '@x', '$@a + 1', "it's", 'a: b', '# c', '- x', '010'),
    );
    const value = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 3 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), scalar, { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...pointers), value, (pointer, next) => {
        try {
          const edited = editBundleConfig(document, { [pointer]: next as never });
          const segments = pointer.slice(1).split('/');
          let node: unknown = edited.value;
          for (const segment of segments) node = (node as Record<string, unknown>)[segment];
          expect(node).toEqual(Object.is(next, -0) ? 0 : next);
          expect(edited.text.split('\n').length).toBeGreaterThanOrEqual(text.split('\n').length - 1);
        } catch (error) {
          if (!(error instanceof MedaasError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('bundle edits on broken or odd bundles fail typed', () => {
    const files = bundleFixture('spleen_ct_segmentation');
    typedOrNothing(() => setBundleEpochs(parseBundle({ 'configs/train.json': '{}' }), 3));
    typedOrNothing(() => setBundleLabels(parseBundle({ 'configs/train.json': '{}' }), ['x']));
    expect(() => parseBundle({ ...files, 'configs/train.json': 42 as unknown as string })).toThrowError(
      expect.objectContaining({ code: 'MMAR_INVALID_ARGUMENT' }),
    );
    expect(validateBundle({ ...files, 'configs/train.json': 42 as unknown as string }).map((i) => i.code)).toContain('MMAR_INVALID_CONFIG');
  });
});
