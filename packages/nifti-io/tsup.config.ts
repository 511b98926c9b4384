import { defineConfig } from 'tsup';

// The gzip and ITK back ends are chosen at install time by the package's `#gzip` import map (Node's zlib in
// Node, DecompressionStream + fflate elsewhere), so `#gzip` stays an import and both back ends are
// built as entries of their own.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'node/index': 'src/node/index.ts',
    'codec/gzip-node': 'src/codec/gzip-node.ts',
    'codec/gzip-web': 'src/codec/gzip-web.ts',
    'itk/itk-node': 'src/itk/itk-node.ts',
    'itk/itk-web': 'src/itk/itk-web.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['#gzip', '#itk', /^node:/, /^@medaas\//, /^@itk-wasm\//, 'fflate'],
});
