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
      'connection/http/http-node': 'src/connection/http/http-node.ts',
      'connection/http/http-web': 'src/connection/http/http-web.ts',
    },
    dts: { entry: { index: 'src/index.ts', dextr3d: 'src/dextr3d.ts', 'node/index': 'src/node/index.ts' } },
    platform: 'neutral',
    external: ['#http', /^node:/, 'undici'],
  }),
);
