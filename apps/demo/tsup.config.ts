import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

// The testkit's server and `fit` trainer ship their TypeScript sources; the demo bundles them.
const testkit = dirname(createRequire(import.meta.url).resolve('@medaas/aiaa-testkit/package.json'));

// Two builds: the demo itself (SDK packages stay imports), and each program the demo runs as a batch job (the
// testkit server, the `fit` trainer) as ONE standalone file, because the demo uploads it to a cluster
// and runs it there with nothing else installed.
export default defineConfig([
  {
    entry: { main: 'src/main.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    external: [/^@medaas\//, 'esbuild'],
  },
  {
    entry: { server: join(testkit, 'src', 'server-cli.ts'), fit: join(testkit, 'src', 'fit-cli.ts') },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/^@medaas\//],
    // No shared chunks: each file must run alone where it is uploaded.
    splitting: false,
    esbuildOptions(options) {
      options.conditions = ['node'];
    },
  },
]);
