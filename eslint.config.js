import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Sources of the published packages and the apps: the files the two rules below hold to the architecture's
// "a DAG of small files" (docs and tests are free to be long, and import what they test).
const sources = ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'];

// Files over the code-line limit today (counted after Prettier's wrapping), each capped at about its present
// size so it does not grow further while it waits to be split along its concepts. Remove an entry once its file is under the limit.
const longFiles = {
  'packages/cluster-ssh/src/upload.ts': 490, // 485 code lines after formatting: upload planning, transfer and verification
  'packages/cluster-ssh/src/session.ts': 420, // 414: connection, auth methods and exec in one handle
  'packages/dicom/src/deidentify/profile-table.ts': 330, // 323: the PS3.15 basic profile as one table (data)
  'packages/dicom/src/dicomweb/dicomweb-client.ts': 370, // 362: QIDO, WADO and STOW of one client
  'packages/aiaa-testkit/src/polygons.ts': 340, // 331: contour tracing, simplification and fixing
  'packages/aiaa-client/src/connection/exchange.ts': 330, // 327: request, reply decoding and error mapping
  'packages/aiaa-client/src/monai-label/datastore.ts': 360, // 353: datastore listing, upload and labels
  'packages/cluster-ssh/src/aiaa-job.ts': 360, // 359: job script, submission and readiness wait
  'packages/dicom/src/dicom-slice-fast.ts': 340, // 334: the fast slice parser's element walk and pixel read
  'packages/aiaa-client/src/aiaa/client.ts': 330, // 324: the Clara AIAA client's calls, one method each
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '**/.turbo/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // Packages run in Node and in browsers; tests, scripts and benchmarks run in Node.
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name="Promise"] > :matches(ArrowFunctionExpression, FunctionExpression)[async=true]',
          message: 'new Promise(async ...) loses rejections',
        },
      ],
    },
  },
  {
    files: sources,
    plugins: { 'import-x': importX },
    settings: {
      // Without these the plugin follows only .js files, and a cycle through .ts sources goes unseen.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Resolves `.js` specifiers to the `.ts` sources and workspace packages through their tsconfig
      // (`@medaas/source` condition), as tsc does.
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['packages/*/tsconfig.json', 'apps/*/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      // A cycle between modules makes load order matter (a value read before its module has run) and hides
      // which concept owns what. `import type` is erased at run time, so the rule does not follow it. Cycles
      // across packages are the DAG check's (scripts/check-dag.mjs).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The architecture's "about 300 lines" per file, counted as code lines (measured distribution: median
      // 58, 95th percentile about 220).
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
    },
  },
  ...Object.entries(longFiles).map(([file, max]) => ({
    files: [file],
    rules: { 'max-lines': ['error', { max, skipBlankLines: true, skipComments: true }] },
  })),
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: '@medaas/core stays platform-neutral: no node: imports.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
