import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources of every workspace package (the `@medaas/source` export
// condition), so `npm test` needs no build and a change is tested the moment it is saved.
const conditions = ['@medaas/source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@medaas/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    // Type tests (`*.test-d.ts`): assertions about the public API's inference, checked by tsc in the same run
    // and reported beside the other tests, so a wrong inferred type fails `npm test`.
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.type-tests.json',
      // Errors in the sources they import are the typecheck step's (npm run typecheck), not a type test's.
      ignoreSourceErrors: true,
    },
  },
});
