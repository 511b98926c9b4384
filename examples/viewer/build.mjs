// Bundles the viewer: the page (dist/index.html + dist/viewer.js, for browsers) and the back end
// (dist/server.mjs, for Node). `node examples/viewer/build.mjs` writes dist/; tests and serve.mjs call
// the exported functions. The SDK is bundled from its TypeScript sources (the `@medaas/source` export
// condition), so nothing needs `npm run build` first.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const niftiIo = dirname(require.resolve('@medaas/nifti-io/package.json'));

/** Where build.mjs writes by default. */
export const DIST = join(here, 'dist');

/**
 * The page: `{ html, script }` in memory.
 * @param {{ minify?: boolean, title?: string }} [options]
 */
export async function buildViewerPage(options = {}) {
  const result = await build({
    entryPoints: [join(here, 'src/main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    conditions: ['@medaas/source', 'browser', 'import', 'default'],
    logLevel: 'silent',
    // daikon (DICOM in nifti-io) names Node's fs and path in a branch that never runs in a browser.
    external: ['fs', 'path'],
    plugins: [
      {
        // nifti-io's `#gzip` and `#itk` import maps point at Node back ends under `@medaas/source`; a
        // browser needs the web ones, as a bundler resolving the built package's `default` would pick.
        name: 'nifti-io-web-back-ends',
        setup(b) {
          const web = { '#gzip': 'src/codec/gzip-web.ts', '#itk': 'src/itk/itk-web.ts' };
          b.onResolve({ filter: /^#(gzip|itk)$/ }, (args) => ({ path: join(niftiIo, web[args.path]) }));
        },
      },
    ],
  });
  const { renderIndexHtml } = await importTs('src/index-html.ts');
  return { html: renderIndexHtml({ title: options.title }), script: result.outputFiles[0].text };
}

/**
 * The Node back end and what serve.mjs needs, as one ES module file; returns its path.
 * @param {string} [outDir]
 */
export async function buildViewerServer(outDir = DIST) {
  const outfile = join(outDir, 'server.mjs');
  await build({
    stdin: {
      contents: [
        "export { startViewerServer } from './src/viewer-server.ts';",
        "export { demoPhantom } from './src/demo-phantom.ts';",
        "export { startTestServer } from '@medaas/aiaa-testkit';",
        "export { writeNifti } from '@medaas/nifti-io';",
        "export { readNiftiFile } from '@medaas/nifti-io/node';",
      ].join('\n'),
      resolveDir: here,
      loader: 'ts',
      sourcefile: 'server-entry.ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@medaas/source', 'node', 'import', 'default'],
    logLevel: 'warning',
    plugins: [
      {
        // Third-party packages stay imports (resolved from node_modules at run time); the SDK is bundled.
        name: 'externals',
        setup(b) {
          b.onResolve({ filter: /^[^./#]/ }, (args) =>
            args.path.startsWith('@medaas/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  return outfile;
}

/**
 * Writes dist/index.html, dist/viewer.js and dist/server.mjs.
 * @param {string} [outDir]
 */
export async function writeViewerDist(outDir = DIST) {
  await mkdir(outDir, { recursive: true });
  const page = await buildViewerPage({ minify: true });
  await writeFile(join(outDir, 'index.html'), page.html);
  await writeFile(join(outDir, 'viewer.js'), page.script);
  await buildViewerServer(outDir);
  return outDir;
}

// index-html.ts is plain TypeScript with no imports: esbuild turns it into a data: module Node can load.
async function importTs(path) {
  const result = await build({
    entryPoints: [join(here, path)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = await writeViewerDist();
  console.log(`wrote ${outDir}/index.html, viewer.js and server.mjs`);
}
