// Shared pieces of the stress suite: the testkit server as a child process (so that its peak memory is its
// own), raw HTTP over a socket (so that malformed requests stay malformed), and the tally of outcomes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Outcomes of hostile inputs: typed (a 4xx/503 or a typed error), untyped (a 500, an untyped exception), hangs. */
export class Tally {
  constructor(name) {
    this.name = name;
    this.tried = 0;
    this.typed = 0;
    this.untyped = 0;
    this.hangs = 0;
    this.examples = [];
  }
  add(outcome, label) {
    this.tried += 1;
    this[outcome] += 1;
    if (outcome !== 'typed' && this.examples.length < 10) this.examples.push(`${outcome}: ${label}`);
  }
}

/** The peak resident memory of a process, in MiB (VmHWM), or undefined once it has exited. */
export function peakRssMb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the built testkit server (`medaas-testkit-server`) in a child process on a free loopback port and
 * resolves once it prints its URL. `stop()` sends SIGTERM and waits for the exit.
 */
export function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}packages/aiaa-testkit/dist/server-cli.js`, ...args, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${err}`)), 30_000);
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /serving (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        const url = new URL(match[1]);
        resolve({
          url: match[1],
          port: Number(url.port),
          pid: child.pid,
          alive: () => child.exitCode === null && child.signalCode === null,
          peakRssMb: () => peakRssMb(child.pid),
          stderr: () => err,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before serving: ${err}`)));
  });
}

/**
 * Sends raw bytes to 127.0.0.1:port and collects the reply until the server closes, `timeoutMs` passes
 * (a hang) or `idleMs` after the first byte of a complete reply. Returns the status code (0 for none).
 */
export function rawRequest(port, bytes, { timeoutMs = 15_000 } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = Buffer.alloc(0);
    let settled = false;
    const finish = (hung) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = reply.toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status, body, hung, bytes: reply.length });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      const text = reply.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0) {
        const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head))?.[1];
        if (length !== undefined && reply.length - head - 4 >= Number(length)) finish(false);
      }
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    // No half-close: a server may answer a request only after its body, and a closed write side would
    // count as a client that went away.
    socket.write(bytes);
  });
}

/** A multipart/form-data body: `parts` of `{ name, value }` or `{ name, fileName, data }`. */
export function multipart(parts, boundary = 'medaas-stress-boundary') {
  const chunks = [];
  for (const part of parts) {
    const disposition =
      part.fileName === undefined ? `form-data; name="${part.name}"` : `form-data; name="${part.name}"; filename="${part.fileName}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.fileName === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`,
      ),
    );
    chunks.push(
      Buffer.isBuffer(part.data) || part.data instanceof Uint8Array ? Buffer.from(part.data) : Buffer.from(String(part.value ?? '')),
    );
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A complete HTTP/1.1 request as bytes. */
export function httpRequest(method, path, { headers = {}, body } = {}) {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [key, value] of Object.entries(headers)) lines.push(`${key}: ${value}`);
  if (
    body !== undefined &&
    !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')
  )
    lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** Whether a plain GET answers 200 (the server still serves). */
export async function healthy(port, path) {
  const reply = await rawRequest(port, httpRequest('GET', path), { timeoutMs: 10_000 });
  return reply.status === 200;
}
