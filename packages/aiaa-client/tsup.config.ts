import { defineConfig } from 'tsup';

// The HTTP back end is chosen by the package's `#http` import map (undici in Node, fetch elsewhere), so
// `#http` stays an import and both back ends are built as entries of their own.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    dextr3d: 'src/dextr3d.ts',
    'node/index': 'src/node/index.ts',
    'http/http-node': 'src/http/http-node.ts',
    'http/http-web': 'src/http/http-web.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', dextr3d: 'src/dextr3d.ts', 'node/index': 'src/node/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['#http', /^node:/, /^@medaas\//, 'undici'],
});
