import { defineConfig } from 'tsup';

// Two builds: the demo itself (SDK packages stay imports), and the AIAA testkit server as ONE standalone
// file, because the demo uploads it to a cluster and runs it there with nothing else installed.
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
    entry: { 'aiaa-server': 'src/aiaa-server.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    noExternal: [/^@medaas\//],
    esbuildOptions(options) {
      options.conditions = ['node'];
    },
  },
]);
