import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The HTTP and digest back ends are chosen by the package's `#http` and `#digest` import maps (Node's own
// stacks in Node, fetch and Web Crypto elsewhere), so those stay imports and every back end is built as an
// entry of its own.
export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      dextr3d: 'src/dextr3d.ts',
      'monai-label/index': 'src/monai-label/index.ts',
      'interactive/index': 'src/interactive/index.ts',
      'node/index': 'src/node/index.ts',
      'connection/http/http-node': 'src/connection/http/http-node.ts',
      'connection/http/http-web': 'src/connection/http/http-web.ts',
      'connection/digest/digest-node': 'src/connection/digest/digest-node.ts',
      'connection/digest/digest-web': 'src/connection/digest/digest-web.ts',
    },
    dts: {
      entry: {
        index: 'src/index.ts',
        dextr3d: 'src/dextr3d.ts',
        'monai-label/index': 'src/monai-label/index.ts',
        'interactive/index': 'src/interactive/index.ts',
        'node/index': 'src/node/index.ts',
      },
    },
    platform: 'neutral',
    external: ['#http', '#digest', /^node:/, 'undici'],
  }),
);
