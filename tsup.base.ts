import type { Options } from 'tsup';

/**
 * The build every SDK package shares: ESM with declarations and source maps, ES2022, the output folder
 * cleaned first; the other `@medaas/*` packages stay imports. A package gives its entries and whatever
 * differs (platform, declaration entries, further externals).
 */
export function packageBuild(options: Options): Options {
  return {
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'node',
    ...options,
    external: [/^@medaas\//, ...(options.external ?? [])],
  };
}
