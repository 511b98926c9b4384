import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { main: 'src/main.ts', 'aiaa-server': 'src/aiaa-server.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: [/^@medaas\//],
});
