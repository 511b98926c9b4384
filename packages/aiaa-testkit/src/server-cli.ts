#!/usr/bin/env node
/**
 * The test server as a command, with the command line of `monailabel start_server`, so that the same job
 * script starts it or a real MONAI Label server:
 *
 *   medaas-testkit-server start_server --app DIR --studies DIR --host 127.0.0.1 --port 8000 [--conf auth_user NAME:PASSWORD]
 *   medaas-testkit-server --protocol aiaa --port 5000
 *   medaas-testkit-server start_server --app DIR --studies DIR --socket /tmp/medaas-job/server.sock
 *
 * `start_server` serves MONAI Label (the default then), without it AIAA v1; `--protocol` says it outright.
 * `--socket PATH` listens on a Unix socket instead of a TCP port (uvicorn's `--uds`), so that only processes
 * allowed into its folder can connect. It serves until SIGTERM or SIGINT. The first line printed is
 * `medaas-testkit serving <url> (<protocol>)` (`... on <socket>` for a socket).
 */
import { startTestServer } from './server.js';

const args = process.argv.slice(2);
const flags = new Map<string, string>();
const conf: [string, string][] = [];
const subcommand = args[0] === 'start_server' ? args.shift() : undefined;
for (let i = 0; i < args.length; i += 1) {
  const flag = args[i]!;
  if (flag === '--conf') {
    conf.push([args[i + 1] ?? '', args[i + 2] ?? '']);
    i += 2;
  } else if (flag.startsWith('--') && i + 1 < args.length) {
    flags.set(flag.slice(2), args[(i += 1)]!);
  } else {
    console.error(`medaas-testkit-server: unexpected argument ${flag}`);
    process.exit(2);
  }
}
const protocol = flags.get('protocol') ?? (subcommand ? 'monai-label' : 'aiaa');
if (protocol !== 'aiaa' && protocol !== 'monai-label') {
  console.error(`medaas-testkit-server: --protocol must be aiaa or monai-label, not ${protocol}`);
  process.exit(2);
}
// `--conf auth_user NAME:PASSWORD` (repeatable) turns authentication on with those users, every role each.
const users = Object.fromEntries(
  conf
    .filter(([key]) => key === 'auth_user')
    .map(([, value]) => [value.slice(0, value.indexOf(':')), { password: value.slice(value.indexOf(':') + 1) }]),
);
const studies = flags.get('studies');
const app = flags.get('app');
const socketPath = flags.get('socket') ?? flags.get('uds');
const server = await startTestServer({
  protocol,
  host: flags.get('host') ?? '127.0.0.1',
  port: Number(flags.get('port') ?? 0),
  ...(socketPath ? { socketPath } : {}),
  ...(studies ? { studies } : {}),
  ...(app ? { app } : {}),
  ...(Object.keys(users).length > 0 ? { auth: { users } } : {}),
});
console.log(`medaas-testkit serving ${server.url} (${protocol})${socketPath ? ` on ${socketPath}` : ''}`);
const stop = (): void => {
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
