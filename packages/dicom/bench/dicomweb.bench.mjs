// WADO-RS retrieve of a 300-instance CT series (512x512 int16, ~150 MiB) from a real Orthanc on loopback:
// the @medaas/dicom client vs curl fetching the same multipart stream, side by side in one run.
//   npm run build && node packages/dicom/bench/dicomweb.bench.mjs [--instances N] [--runs R]
// 1. Streamed, counting bytes (client: retrieveSeries, one instance at a time) vs `curl -o /dev/null`.
// 2. To disk (client: retrieveSeriesToFolder, one file per instance, renamed at the end) vs `curl -o FILE`
//    (one multipart file, nothing split).
// Runs alternate between the two so that both see the same server and page cache; medians of R runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDicomwebClient } from '@medaas/dicom';
import { retrieveSeriesToFolder } from '@medaas/dicom/node';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const instances = option('--instances', 300);
const runs = option('--runs', 5);
const here = fileURLToPath(new URL('.', import.meta.url));
const orthancScript = join(here, '../../../scripts/services/orthanc.sh');
const generator = join(here, '../test/reference/make_ct_series.py');

const dir = mkdtempSync(join(tmpdir(), 'medaas-dicomweb-bench-'));
const name = `bench-${process.pid}`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

try {
  const made = JSON.parse(execFileSync('/usr/bin/python3', [generator, join(dir, 'ct'), String(instances)], { encoding: 'utf8' }));
  const facts = JSON.parse(
    execFileSync(
      'bash',
      [orthancScript, 'start', '--name', name, '--port', 'auto', '--dicom-port', 'auto', '--owner', String(process.pid), '--json'],
      {
        encoding: 'utf8',
      },
    ).trim(),
  );
  const files = readdirSync(join(dir, 'ct'))
    .sort()
    .map((f) => join(dir, 'ct', f));
  // Stored through Orthanc's REST API, four at a time (the upload is not what is measured).
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < files.length; i = next++) {
        const response = await fetch(`${facts.url}/instances`, { method: 'POST', body: readFileSync(files[i]) });
        if (!response.ok) throw new Error(`upload of ${files[i]} failed: HTTP ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  const client = createDicomwebClient({ baseUrl: facts.dicomWebUrl });
  const seriesUrl = `${facts.dicomWebUrl}/studies/${made.studyUid}/series/${made.seriesUid}`;
  const accept = 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*';
  const curl = (out) => {
    const start = process.hrtime.bigint();
    const result = spawnSync('curl', ['-sS', '--fail', '-o', out, '-H', accept, seriesUrl], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`curl exited with ${result.status}`);
    return ms(start);
  };
  const stream = async () => {
    const start = process.hrtime.bigint();
    let count = 0;
    let bytes = 0;
    for await (const instance of client.retrieveSeries(made.studyUid, made.seriesUid)) {
      count += 1;
      bytes += instance.byteLength;
    }
    if (count !== instances || bytes !== made.bytes) throw new Error(`retrieved ${count} instances, ${bytes} bytes`);
    return ms(start);
  };
  const toDisk = async (run) => {
    const out = join(dir, `out-${run}`);
    const start = process.hrtime.bigint();
    const { files: written } = await retrieveSeriesToFolder(client, out, { studyUid: made.studyUid, seriesUid: made.seriesUid });
    const elapsed = ms(start);
    if (written.length !== instances) throw new Error(`wrote ${written.length} files`);
    rmSync(out, { recursive: true, force: true });
    return elapsed;
  };
  // The floor of any Node client: the same stream read with node:http alone, bytes counted, nothing parsed.
  const rawNode = () =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      let bytes = 0;
      httpRequest(seriesUrl, { headers: { accept: accept.slice('Accept: '.length) } }, (message) => {
        message.on('data', (chunk) => (bytes += chunk.length));
        message.on('end', () => (bytes > made.bytes ? resolve(ms(start)) : reject(new Error(`read ${bytes} bytes`))));
        message.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
  // Warm-up: Orthanc's caches, the page cache, the JIT.
  await stream();
  curl('/dev/null');
  const times = { stream: [], curlNull: [], disk: [], curlFile: [], rawNode: [] };
  for (let run = 0; run < runs; run += 1) {
    const first = run % 2 === 0;
    if (first) times.stream.push(await stream());
    times.curlNull.push(curl('/dev/null'));
    if (!first) times.stream.push(await stream());
    times.rawNode.push(await rawNode());
    if (first) times.disk.push(await toDisk(run));
    times.curlFile.push(curl(join(dir, 'series.multipart')));
    rmSync(join(dir, 'series.multipart'), { force: true });
    if (!first) times.disk.push(await toDisk(run));
  }
  const mib = made.bytes / 2 ** 20;
  const row = (label, values) =>
    `${label.padEnd(46)} ${median(values).toFixed(0).padStart(6)} ms  ${(mib / (median(values) / 1000)).toFixed(0).padStart(5)} MiB/s`;
  console.log(`WADO-RS series retrieve: ${instances} CT instances, ${mib.toFixed(1)} MiB, Orthanc on loopback, median of ${runs} runs`);
  console.log(row('client retrieveSeries (count bytes)', times.stream));
  console.log(row('curl -o /dev/null', times.curlNull));
  console.log(row('node:http alone (count bytes; the floor)', times.rawNode));
  console.log(row('client retrieveSeriesToFolder (one file each)', times.disk));
  console.log(row('curl -o file (one multipart file)', times.curlFile));
  console.log(`ratio streamed / curl:  ${(median(times.stream) / median(times.curlNull)).toFixed(2)}x (target <= 1.1x)`);
  console.log(
    `ratio node:http alone / curl: ${(median(times.rawNode) / median(times.curlNull)).toFixed(2)}x (what Node's HTTP stack costs before any client code)`,
  );
  console.log(`ratio to disk / curl:   ${(median(times.disk) / median(times.curlFile)).toFixed(2)}x (target <= 1.1x)`);
} finally {
  spawnSync('bash', [orthancScript, 'stop', '--name', name, '--purge'], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
}
