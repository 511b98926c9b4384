/**
 * A test server in a child process, so that a request that blocks its event loop cannot block the test, and
 * so that its memory can be read on its own: `node child-server.mjs '<options JSON>'`. It reports
 * `{ ready: url }` over IPC, answers `'memory'` with `process.memoryUsage()` plus the peak RSS and `'stats'` with `server.stats()`, and exits when
 * the parent disconnects.
 */
import { startTestServer, type TestServerOptions } from '@medaas/aiaa-testkit';

const options = JSON.parse(process.argv[2] ?? '{}') as TestServerOptions;
const server = await startTestServer(options);
const send = (message: unknown): void => {
  process.send?.(message);
};
send({ ready: server.url, port: server.port });
process.on('message', (message) => {
  if (message === 'memory') send({ memory: { ...process.memoryUsage(), maxRssBytes: process.resourceUsage().maxRSS * 1024 } });
  if (message === 'stats') send({ stats: server.stats() });
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
