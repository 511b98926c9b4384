// AIAA round trips on a 512x512x300 int16 CT-sized volume (150 MiB), against the testkit in its own process.
//   node packages/aiaa-client/bench/aiaa.bench.mjs        (after `npm run build`)
// 1. 10 DeepGrow clicks without a session (the image is uploaded each time) vs with one (uploaded once):
//    time per click, bytes sent, and the client's overhead over the server's own work.
// 2. Peak client memory of one segmentation round trip, streaming the upload from a file (openImageFile)
//    vs the buffered baseline (the whole file read into memory first), against the 1.5x target.
// 3. A curl multipart upload of the same click (`curl -F`, NVIDIA's documented way) as an external anchor.
import { fork, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLICKS, writeCtPhantom } from './ct-phantom.mjs';

const self = fileURLToPath(import.meta.url);
const [mode, ...args] = process.argv.slice(2);

if (mode === '--server') {
  const { startTestServer } = await import('@medaas/aiaa-testkit');
  const server = await startTestServer();
  process.send({ url: server.url });
  process.on('message', (m) => {
    if (m === 'stats') process.send({ stats: server.stats() });
    if (m === 'stop') server.close().then(() => process.exit(0));
  });
} else if (mode === '--memory') {
  const [url, file, how] = args;
  const { createAiaaClient } = await import('@medaas/aiaa-client');
  const { openImageFile } = await import('@medaas/aiaa-client/node');
  const client = createAiaaClient({ baseUrl: url });
  await client.listModels(); // warm the connection and the modules before the baseline
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const image = how === 'stream' ? await openImageFile(file) : readFileSync(file);
  const { mask } = await client.segmentation('segmentation_threshold', image);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  await client.close();
  process.send({ peakAboveBaseline: peak - baseline, maskBytes: mask.byteLength });
} else {
  await main();
}

function child(argv, execArgv = []) {
  const proc = fork(self, argv, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => proc.once('message', resolve));
  return { proc, next };
}

async function main() {
  const { createAiaaClient } = await import('@medaas/aiaa-client');
  const { openImageFile } = await import('@medaas/aiaa-client/node');
  const dir = mkdtempSync(join(tmpdir(), 'aiaa-bench-'));
  const { file, volume } = await writeCtPhantom(dir);
  const volumeBytes = volume.data.byteLength;
  const fileBytes = statSync(file).size;
  const server = child(['--server']);
  const { url } = await server.next();
  const stats = async () => {
    server.proc.send('stats');
    return (await server.next()).stats;
  };
  const client = createAiaaClient({ baseUrl: url });
  const clicks = CLICKS;
  const image = await openImageFile(file);

  const run = async (input) => {
    let sent = 0;
    const before = await stats();
    const t0 = performance.now();
    for (let i = 0; i < clicks.length; i += 1) {
      await client.deepgrow('deepgrow_3d', input, {
        foreground: clicks.slice(0, i + 1),
        onProgress: (p) => {
          if (p.phase === 'upload' && p.loaded === p.total) sent += p.loaded;
        },
      });
    }
    const ms = performance.now() - t0;
    const after = await stats();
    return { ms, sent, serverMs: after.busyMs - before.busyMs };
  };

  await client.deepgrow('deepgrow_3d', image, { foreground: [clicks[0]] }); // warm-up
  const without = await run(image);
  const t0 = performance.now();
  let sessionBytes = 0;
  const session = await client.createSession(image, {
    onProgress: (p) => p.phase === 'upload' && p.loaded === p.total && (sessionBytes = p.loaded),
  });
  const createMs = performance.now() - t0;
  const withSession = await run(session);
  await session.close();

  let curlMs;
  try {
    const params = JSON.stringify({ foreground: [clicks[0]], background: [] });
    const c0 = performance.now();
    for (let i = 0; i < 3; i += 1) {
      execFileSync('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-F',
        `params=${params}`,
        '-F',
        `image=@${file}`,
        `${url}/v1/deepgrow?model=deepgrow_3d`,
      ]);
    }
    curlMs = (performance.now() - c0) / 3;
  } catch {
    curlMs = undefined;
  }
  await client.close();

  const memory = async (how) => {
    const m = child(['--memory', url, file, how], ['--expose-gc']);
    return m.next();
  };
  const streamed = await memory('stream');
  const buffered = await memory('buffer');
  server.proc.send('stop');
  rmSync(dir, { recursive: true, force: true });

  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const per = (r) => r.ms / clicks.length;
  const overhead = (r) => (r.ms - r.serverMs) / clicks.length;
  console.log(
    `\nAIAA client benchmark: ${volume.dims.join('x')} int16 (${mb(volumeBytes)}, file ${mb(fileBytes)}), 10 DeepGrow clicks, testkit in its own process\n`,
  );
  console.log('| 10 DeepGrow clicks | per click | server work per click | client + transport per click | image bytes sent |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| without a session | ${per(without).toFixed(0)} ms | ${(without.serverMs / 10).toFixed(0)} ms | ${overhead(without).toFixed(1)} ms | ${mb(without.sent)} |`,
  );
  console.log(
    `| with a session | ${per(withSession).toFixed(0)} ms | ${(withSession.serverMs / 10).toFixed(0)} ms | ${overhead(withSession).toFixed(1)} ms | ${mb(withSession.sent)} (+ ${mb(sessionBytes)} once, ${createMs.toFixed(0)} ms) |`,
  );
  console.log(
    `| ratio with/without | ${(per(withSession) / per(without)).toFixed(2)}x | | | ${(withSession.sent / without.sent).toFixed(5)}x |`,
  );
  if (curlMs !== undefined)
    console.log(
      `| curl -F (one click, no session) | ${curlMs.toFixed(0)} ms | | medaas/curl ${(per(without) / curlMs).toFixed(2)}x | ${mb(fileBytes)} |`,
    );
  console.log('\n| peak client memory, one segmentation round trip | above baseline | / volume size (target < 1.5x) |');
  console.log('|---|---|---|');
  console.log(
    `| medaas, streamed from openImageFile | ${mb(streamed.peakAboveBaseline)} | ${(streamed.peakAboveBaseline / volumeBytes).toFixed(2)}x |`,
  );
  console.log(
    `| baseline: file read into memory first | ${mb(buffered.peakAboveBaseline)} | ${(buffered.peakAboveBaseline / volumeBytes).toFixed(2)}x |`,
  );
  console.log(
    `\ntargets: no image bytes re-sent with a session: ${withSession.sent < 100_000 ? 'met' : 'NOT met'}; client overhead per session click ${overhead(withSession).toFixed(1)} ms (a few ms: ${overhead(withSession) < 10 ? 'met' : 'NOT met'}); peak memory ${(streamed.peakAboveBaseline / volumeBytes).toFixed(2)}x (< 1.5x: ${streamed.peakAboveBaseline < 1.5 * volumeBytes ? 'met' : 'NOT met'})`,
  );
}
