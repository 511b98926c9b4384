#!/usr/bin/env node
/**
 * The AIAA server the demo runs as a batch job: @medaas/aiaa-testkit on 127.0.0.1 at `--port`, until the
 * job is cancelled (SIGTERM). The job script reports where it listens.
 */
import { startTestServer } from '@medaas/aiaa-testkit';

const index = process.argv.indexOf('--port');
const port = index > 0 ? Number(process.argv[index + 1]) : 0;
const server = await startTestServer({ port, host: '127.0.0.1' });
console.log(`aiaa-testkit serving ${server.url}`);
const stop = (): void => {
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
