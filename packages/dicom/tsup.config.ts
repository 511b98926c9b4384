import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The DICOMweb client's default fetch is chosen at install time by the package's `#fetch` import map (over
// node:http in Node, the global fetch elsewhere), so `#fetch` stays an import and both are entries of their own.
export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      'node/index': 'src/node/index.ts',
      'transport/fetch-node': 'src/transport/fetch-node.ts',
      'transport/fetch-web': 'src/transport/fetch-web.ts',
    },
    dts: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } },
    external: ['#fetch', /^node:/],
  }),
);
