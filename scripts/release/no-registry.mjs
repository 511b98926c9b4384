#!/usr/bin/env node
// A registry that has nothing: every request is a 404. The release dry run points npm's @medaas scope here so
// that the consumer project can only get @medaas/* from the packed tarballs (npm still asks the scope's
// registry for each package's metadata; a name someone registered publicly must never be installed instead).
// A refused connection would not do: npm retries it for a minute. Writes its port to argv[2] once listening
// and every requested path, one a line, to argv[3].
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [portFile, logFile] = process.argv.slice(2);
if (!portFile || !logFile) {
  console.error('usage: node scripts/release/no-registry.mjs <port-file> <request-log>');
  process.exit(2);
}
writeFileSync(logFile, '');
const server = createServer((req, res) => {
  appendFileSync(logFile, `${req.method} ${req.url}\n`);
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"not found"}');
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  writeFileSync(portFile, String(typeof address === 'object' && address ? address.port : ''));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
