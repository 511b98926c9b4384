import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The gzip and ITK back ends are chosen at install time by the package's `#gzip` import map (Node's zlib in
// Node, DecompressionStream + fflate elsewhere), so `#gzip` stays an import and both back ends are
// built as entries of their own.
export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      'node/index': 'src/node/index.ts',
      'codec/gzip-node': 'src/codec/gzip-node.ts',
      'codec/gzip-web': 'src/codec/gzip-web.ts',
      'itk/itk-node': 'src/itk/itk-node.ts',
      'itk/itk-web': 'src/itk/itk-web.ts',
    },
    dts: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } },
    platform: 'neutral',
    external: ['#gzip', '#itk', /^node:/, /^@itk-wasm\//, 'fflate'],
  }),
);
