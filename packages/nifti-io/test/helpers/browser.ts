import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by scripts/setup-test-env.sh. Never a browser download. */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-test-env.sh (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Bundles a browser entry the way an application's bundler would: the browser export conditions, and the
 * packages' import maps (`#gzip`/`#itk` of nifti-io, `#http` of aiaa-client) resolved to the browser back ends
 * given in `sourceAliases`.
 */
export async function bundleForBrowser(entry: string, sourceAliases: Record<string, string>): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@medaas/source', 'browser', 'import', 'default'],
    logLevel: 'silent',
    // daikon's JPEG-LS decoder (emscripten) names Node's fs and path in a branch that never runs in a
    // browser; every bundler needs them left out (Vite does this by itself).
    external: ['fs', 'path'],
    plugins: [
      {
        name: 'browser-import-maps',
        setup(b) {
          const names = Object.keys(sourceAliases).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
          b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: sourceAliases[args.path]! }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

/** A loopback server for a page, its bundle and any files the test wants to serve. */
export async function servePage(script: string, files: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>medaas</title><script type="module" src="/bundle.js"></script>');
    } else if (path === '/bundle.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (files[path]) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(await readFile(files[path]!));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
