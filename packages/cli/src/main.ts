#!/usr/bin/env node
/**
 * The `medaas` bin: runs one command line and exits with its code. Ctrl-C (SIGINT) or SIGTERM aborts the
 * running call through its signal, so the SDK removes its temporary files before the command exits with 130
 * or 143; a second Ctrl-C exits at once.
 */
import { runCli } from './cli.js';
import { CliError } from './errors.js';
import { EXIT_CODES } from './exit-codes.js';

/** How long a cancelled call may take to clean up before the bin exits anyway. */
const CLEANUP_GRACE_MS = 15_000;

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const code = signal === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.terminated;
    if (controller.signal.aborted) process.exit(code);
    process.stderr.write(`\nmedaas: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}, cancelling (Ctrl-C again to quit at once)\n`);
    controller.abort(new CliError('CLI_INTERRUPTED', `interrupted by ${signal}`, { details: { signal } }));
    setTimeout(() => process.exit(code), CLEANUP_GRACE_MS).unref();
  });
}
process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
