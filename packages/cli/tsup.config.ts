import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// `main` is the `medaas` bin (tsup keeps its shebang and makes it executable); `index` is the same command
// line as a function, for tools that embed it.
export default defineConfig(
  packageBuild({ entry: { index: 'src/index.ts', main: 'src/main.ts' }, dts: { entry: { index: 'src/index.ts' } } }),
);
