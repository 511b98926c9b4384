import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The HTTP back end is chosen by the package's `#http` import map (undici in Node, fetch elsewhere), so
// `#http` stays an import and both back ends are built as entries of their own.
export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      dextr3d: 'src/dextr3d.ts',
      'node/index': 'src/node/index.ts',
      'http/http-node': 'src/http/http-node.ts',
      'http/http-web': 'src/http/http-web.ts',
    },
    dts: { entry: { index: 'src/index.ts', dextr3d: 'src/dextr3d.ts', 'node/index': 'src/node/index.ts' } },
    platform: 'neutral',
    external: ['#http', /^node:/, 'undici'],
  }),
);
