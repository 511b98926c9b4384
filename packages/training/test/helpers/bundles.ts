import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Bundles the testkit `fit` trainer and AIAA server into standalone files in a world-readable folder, so
 * that jobs running as the SSH test user can run them with plain `node`.
 */
export async function bundleTestkit(): Promise<{ dir: string; fit: string; server: string }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'medaas-training-bundles-'));
  chmodSync(dir, 0o755);
  // The `@medaas/source` condition also resolves nifti-io's `#gzip` / `#itk` import maps to their Node back ends.
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    conditions: ['@medaas/source'],
    logLevel: 'warning' as const,
  };
  const fit = join(dir, 'fit.mjs');
  const server = join(dir, 'aiaa-server.mjs');
  await build({ ...common, entryPoints: [`${packages}aiaa-testkit/src/fit-cli.ts`], outfile: fit });
  await build({ ...common, entryPoints: [fileURLToPath(new URL('./aiaa-server-entry.ts', import.meta.url))], outfile: server });
  chmodSync(fit, 0o644);
  chmodSync(server, 0o644);
  return { dir, fit, server };
}
