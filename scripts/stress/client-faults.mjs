// Fault injection on the client: servers that misbehave in ways a real server cannot be made to (a reply
// that never ends, cut mid-multipart, a redirect to another host, a declared length far beyond what comes,
// a JSON reply far larger than metadata is). Each call must fail with a typed AiaaError within its time,
// send nothing to the other host, and the client's memory must stay near its limits.
import { createServer } from 'node:http';
import { isMedaasError } from '@medaas/core';
import { createAiaaClient } from '@medaas/aiaa-client';
import { Tally } from './lib.mjs';

function listen(handler) {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const close = (server) =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function runClientFaults({ image }) {
  const tally = new Tally('client fault injection');
  const otherHost = { hits: 0, gotImage: false, gotKey: false };
  const other = await listen((req, res) => {
    otherHost.hits += 1;
    if (req.headers['x-api-key']) otherHost.gotKey = true;
    let size = 0;
    req.on('data', (c) => (size += c.length));
    req.on('end', () => {
      if (size > 1000) otherHost.gotImage = true;
      res.end('[]');
    });
  });
  const otherPort = other.address().port;
  const boundary = 'medaas-fault';
  const faults = {
    'a reply that never ends': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    },
    'a multipart reply cut in the middle': (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${boundary}` });
        res.write(
          `--${boundary}\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="mask.nii.gz"\r\n\r\n`,
        );
        res.write(Buffer.alloc(4096, 7));
        res.socket.destroy();
      });
    },
    'a redirect to another host': (req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://localhost:${otherPort}${req.url}` });
      res.end();
    },
    'a declared length of 10^12 bytes': (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 ** 12) });
      res.write('[');
      setTimeout(() => res.socket?.destroy(), 2000);
    },
    'a JSON reply of 600 MiB': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(4 << 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 600 << 20) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end('[]');
      };
      res.write('[');
      pump();
    },
  };
  let peakClientMb = 0;
  for (const [label, handler] of Object.entries(faults)) {
    const server = await listen(handler);
    const client = createAiaaClient({
      baseUrl: `http://127.0.0.1:${server.address().port}`,
      headers: { 'x-api-key': 'stress-secret-key' },
      timeoutMs: 10_000,
      metadataTimeoutMs: 10_000,
      retry: false,
    });
    const started = Date.now();
    try {
      const call =
        label.includes('multipart') || label.includes('redirect')
          ? client.segmentation('segmentation_threshold', image)
          : client.listModels();
      const outcome = await Promise.race([
        call.then(() => 'no error'),
        new Promise((resolve) => setTimeout(() => resolve('hang'), 40_000)),
      ]).catch((error) => (isMedaasError(error) ? `typed ${error.code}` : `untyped ${error?.name}: ${error?.message}`));
      const kind = outcome.startsWith('typed') ? 'typed' : outcome === 'hang' ? 'hangs' : 'untyped';
      tally.add(kind, `${label}: ${outcome} after ${Date.now() - started} ms`);
      (tally.outcomes ??= []).push(`${label}: ${outcome} after ${Date.now() - started} ms`);
    } finally {
      await client.close();
      await close(server);
    }
    peakClientMb = Math.max(peakClientMb, process.resourceUsage().maxRSS / 1024);
  }
  await close(other);
  if (otherHost.gotImage || otherHost.gotKey)
    tally.add('untyped', `the other host received ${otherHost.gotImage ? 'the image' : ''} ${otherHost.gotKey ? 'the API key' : ''}`);
  tally.otherHostHits = otherHost.hits;
  tally.peakClientMb = peakClientMb;
  tally.limits =
    'the client reads at most 64 MiB of JSON (maxJsonBytes) and 1 GiB per volume (maxVolumeBytes); calls time out after 10 s here';
  return tally;
}
