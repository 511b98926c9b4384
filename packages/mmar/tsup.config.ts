import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      'node/index': 'src/node/index.ts',
      'bundle/index': 'src/bundle/index.ts',
      'bundle/node/index': 'src/bundle/node/index.ts',
    },
  }),
);
