import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The testkit's own commands, run as jobs on this machine: its server (`medaas-testkit-server`, with
 * `monailabel start_server`'s command line) and its GPU-free trainer (`medaas-testkit-fit`).
 */
export function testkitBin(program: 'server' | 'fit'): string {
  return join(
    dirname(createRequire(import.meta.url).resolve('@medaas/aiaa-testkit/package.json')),
    'dist',
    program === 'fit' ? 'fit-cli.js' : 'server-cli.js',
  );
}
