/** The testkit AIAA server as a standalone job command: `node aiaa-server.mjs --port N`, until SIGTERM. */
import { startTestServer } from '@medaas/aiaa-testkit';

const index = process.argv.indexOf('--port');
const server = await startTestServer({ port: index > 0 ? Number(process.argv[index + 1]) : 0, host: '127.0.0.1' });
console.log(`aiaa-testkit serving ${server.url}`);
process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
