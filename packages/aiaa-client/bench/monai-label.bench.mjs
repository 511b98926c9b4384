// MONAI Label round trips on a 512x512x300 int16 CT-sized volume (150 MiB), against the testkit's MONAI Label
// face in its own process, through the common interactive interface (what a viewer codes against).
//   node packages/aiaa-client/bench/monai-label.bench.mjs        (after `npm run build`)
// 1. The image put into the datastore once (checksum-checked), then 10 DeepGrow clicks by its id: request
//    bytes per click, image bytes re-sent (target 0), and the client's overhead over the server's own work.
// 2. A second viewer session of the same image: the datastore has it (HEAD with its SHA-256), nothing is
//    uploaded (target: no upload); the time it costs is the local checksum.
// 3. Baselines in the same run: the same 10 clicks uploading the image each time (`file` part, as MONAI
//    Label's own client does without a session), the MONAI Label session route, and `curl -F` of one click.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLICKS, writeCtPhantom } from './ct-phantom.mjs';

const self = fileURLToPath(import.meta.url);
const [mode] = process.argv.slice(2);

if (mode === '--server') {
  const { startTestServer } = await import('@medaas/aiaa-testkit');
  const server = await startTestServer({ protocol: 'monai-label' });
  process.send({ url: server.url });
  process.on('message', (m) => {
    if (m === 'stats') process.send({ stats: server.stats() });
    if (m === 'stop') server.close().then(() => process.exit(0));
  });
} else {
  await main();
}

async function main() {
  const { connectAnnotationServer } = await import('@medaas/aiaa-client/interactive');
  const { createMonaiLabelClient } = await import('@medaas/aiaa-client/monai-label');
  const { openImageFile } = await import('@medaas/aiaa-client/node');
  const dir = mkdtempSync(join(tmpdir(), 'monai-label-bench-'));
  const { file, volume } = await writeCtPhantom(dir);
  const fileBytes = statSync(file).size;
  const proc = fork(self, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => proc.once('message', resolve));
  const { url } = await next();
  const stats = async () => {
    proc.send('stats');
    return (await next()).stats;
  };
  const clicks = CLICKS;

  /** Ten clicks through `click`, growing the foreground list as a user adds clicks. */
  const tenClicks = async (click) => {
    const before = await stats();
    const t0 = performance.now();
    for (let i = 0; i < clicks.length; i += 1) await click(clicks.slice(0, i + 1));
    const ms = performance.now() - t0;
    const after = await stats();
    return { ms, bytes: after.bytesReceived - before.bytesReceived, serverMs: after.busyMs - before.busyMs };
  };

  // 1. The viewer's session: open once (datastore), then clicks by id.
  const server = await connectAnnotationServer({ baseUrl: url, protocol: 'monai-label' });
  let s0 = await stats();
  let t0 = performance.now();
  const opened = await server.openImage(await openImageFile(file));
  const openMs = performance.now() - t0;
  const openBytes = (await stats()).bytesReceived - s0.bytesReceived;
  await server.click('deepgrow_3d', opened, { foreground: [clicks[0]] }); // warm-up
  const viaId = await tenClicks((fg) => server.click('deepgrow_3d', opened, { foreground: fg }));

  // 2. A second session of the same image, from a new client: no upload.
  const second = await connectAnnotationServer({ baseUrl: url, protocol: 'monai-label' });
  s0 = await stats();
  t0 = performance.now();
  const reopened = await second.openImage(await openImageFile(file));
  const reopenMs = performance.now() - t0;
  const reopenBytes = (await stats()).bytesReceived - s0.bytesReceived;

  // 3. Baselines: the image uploaded with every click; the session route; curl.
  const client = createMonaiLabelClient({ baseUrl: url });
  const image = await openImageFile(file);
  const upload = await tenClicks((fg) => client.infer('deepgrow_3d', image, { foreground: fg }));
  t0 = performance.now();
  const session = await client.createSession(image);
  const sessionMs = performance.now() - t0;
  const viaSession = await tenClicks((fg) => client.infer('deepgrow_3d', session, { foreground: fg }));
  await session.close();
  let curlMs;
  try {
    const params = JSON.stringify({ foreground: [clicks[0]], background: [] });
    const c0 = performance.now();
    for (let i = 0; i < 3; i += 1)
      execFileSync('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-H',
        'Expect:',
        '-F',
        `params=${params}`,
        '-F',
        `file=@${file}`,
        `${url}/infer/deepgrow_3d`,
      ]);
    curlMs = (performance.now() - c0) / 3;
  } catch {
    curlMs = undefined;
  }
  await Promise.all([server.close(), second.close(), client.close()]);
  proc.send('stop');
  rmSync(dir, { recursive: true, force: true });

  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const per = (r) => r.ms / clicks.length;
  const overhead = (r) => (r.ms - r.serverMs) / clicks.length;
  const perClickBytes = (r) => r.bytes / clicks.length;
  console.log(
    `\nMONAI Label client benchmark: ${volume.dims.join('x')} int16 (file ${mb(fileBytes)}), 10 DeepGrow clicks, testkit MONAI Label face in its own process\n`,
  );
  console.log('| 10 DeepGrow clicks | per click | server work per click | client + transport per click | request bytes per click |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| common interface, datastore id (uploaded once: ${mb(openBytes)}, ${openMs.toFixed(0)} ms) | ${per(viaId).toFixed(0)} ms | ${(viaId.serverMs / 10).toFixed(0)} ms | ${overhead(viaId).toFixed(1)} ms | ${perClickBytes(viaId).toFixed(0)} B |`,
  );
  console.log(
    `| MONAI Label session (uploaded once, ${sessionMs.toFixed(0)} ms) | ${per(viaSession).toFixed(0)} ms | ${(viaSession.serverMs / 10).toFixed(0)} ms | ${overhead(viaSession).toFixed(1)} ms | ${perClickBytes(viaSession).toFixed(0)} B |`,
  );
  console.log(
    `| baseline: the image with every click (file part) | ${per(upload).toFixed(0)} ms | ${(upload.serverMs / 10).toFixed(0)} ms | ${overhead(upload).toFixed(1)} ms | ${mb(perClickBytes(upload))} |`,
  );
  if (curlMs !== undefined) console.log(`| curl -F file=@ (one click, image each time) | ${curlMs.toFixed(0)} ms | | | ${mb(fileBytes)} |`);
  console.log(
    `| ratio datastore id / image each click | ${(per(viaId) / per(upload)).toFixed(2)}x | | | ${(viaId.bytes / upload.bytes).toFixed(6)}x |`,
  );
  console.log('\n| a second session of the same image | request bytes | time | uploads |');
  console.log('|---|---|---|---|');
  console.log(
    `| openImage again (SHA-256 here, HEAD with check_sum there) | ${reopenBytes} B | ${reopenMs.toFixed(0)} ms | ${reopened.uploads} |`,
  );
  const resent = viaId.bytes > 100_000;
  console.log(
    `\ntargets: image bytes sent after the first upload: ${resent ? 'some' : '0'} (${resent ? 'NOT met' : 'met'}); client overhead per click ${overhead(viaId).toFixed(1)} ms (a few ms: ${overhead(viaId) < 10 ? 'met' : 'NOT met'}); second session uploads ${reopened.uploads} (no upload: ${reopened.uploads === 0 && reopenBytes < 10_000 ? 'met' : 'NOT met'})`,
  );
}
