import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The programs the demo runs as batch jobs, each as ONE standalone file, because on a cluster they are
 * uploaded and run with nothing but Node.js installed: the testkit server (AIAA v1, or MONAI Label with
 * `monailabel start_server`'s command line), and the testkit `fit` trainer (the GPU-free stand-in for Clara's
 * `train.sh`).
 */
export type StandaloneProgram = 'server' | 'fit';

/**
 * The standalone file of a program: built next to the demo by `npm run build` (`dist/server.js`,
 * `dist/fit.js`), or bundled now with esbuild into `workDir/.medaas/` when the demo runs from its
 * TypeScript sources (tests, development).
 */
export async function standaloneScript(program: StandaloneProgram, workDir: string): Promise<string> {
  const built = fileURLToPath(new URL(`./${program}.js`, import.meta.url));
  if (!fileURLToPath(import.meta.url).endsWith('.ts') && existsSync(built)) return built;
  const { build } = await import('esbuild');
  const outfile = join(workDir, '.medaas', `${program}.mjs`);
  // The `@medaas/source` condition also resolves nifti-io's `#gzip` / `#itk` import maps to their Node back ends.
  await build({
    entryPoints: [sourceEntry(program)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@medaas/source'],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** The TypeScript entry of a program: the testkit's shipped `server` and `fit` commands. */
function sourceEntry(program: StandaloneProgram): string {
  return join(packageRoot('@medaas/aiaa-testkit'), 'src', program === 'fit' ? 'fit-cli.ts' : 'server-cli.ts');
}

function packageRoot(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}
