// `npm run stress`: the project's own stress suite, on loopback only, bounded in count and time. It runs
// each section, prints its figures, and exits 1 when an input got an untyped answer, hung, or left a file
// behind. STRESS_SECTIONS=http,slow,sessions,client,fuzz,cluster picks sections; STRESS_FUZZ=N sets the
// fuzzer's count.
import { writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { runCluster } from './cluster.mjs';
import { runFuzz } from './fuzz.mjs';
import { runHttpCorpus } from './http-corpus.mjs';
import { ROOT } from './lib.mjs';
import { phantomNifti } from './nifti-inputs.mjs';
import { bigNifti, runConcurrentSessions, runSlowClients } from './slow-clients.mjs';

const chosen = new Set((process.env.STRESS_SECTIONS ?? 'http,slow,sessions,client,fuzz,cluster').split(','));
const started = Date.now();
const phantom = await phantomNifti();
const sections = [
  ['http', () => runHttpCorpus('aiaa')],
  ['http', () => runHttpCorpus('monai-label')],
  ['slow', () => runSlowClients()],
  ['sessions', async () => runConcurrentSessions({ nifti: await bigNifti(phantom.raw) })],
  ['client', () => inChild('./client-child.mjs')],
  ['fuzz', () => runFuzz({ phantom, count: Number(process.env.STRESS_FUZZ ?? 3000) })],
  ['cluster', () => runCluster()],
];
const results = [];

/** A section in a child process (its own peak memory); resolves with its tally. */
function inChild(script) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(script, import.meta.url));
    let result;
    child.on('message', (message) => (result = message));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${script} exited ${code} without a result`))));
  });
}
for (const [key, run] of sections) {
  if (!chosen.has(key)) continue;
  const t = Date.now();
  const tally = await run();
  tally.seconds = (Date.now() - t) / 1000;
  results.push(tally);
  const extra = [
    tally.servedUnderAttack !== undefined ? `served under attack ${tally.servedUnderAttack}` : '',
    tally.peakServerMb !== undefined ? `server peak ${tally.peakServerMb.toFixed(0)} MiB` : '',
    tally.peakClientMb !== undefined ? `client peak ${tally.peakClientMb.toFixed(0)} MiB` : '',
    tally.read !== undefined ? `${tally.read} read` : '',
    tally.accepted !== undefined ? `${tally.accepted} accepted` : '',
    tally.leftovers !== undefined ? `${tally.leftovers} files left behind` : '',
  ].filter(Boolean);
  console.log(
    `${tally.name.padEnd(44)} ${String(tally.tried).padStart(6)} tried  ${String(tally.typed).padStart(6)} typed  ${String(tally.untyped).padStart(3)} untyped  ${String(tally.hangs).padStart(3)} hangs  ${tally.seconds.toFixed(0).padStart(4)} s  ${extra.join(', ')}`,
  );
  for (const example of tally.examples) console.log(`    ${example}`);
  for (const outcome of tally.outcomes ?? []) console.log(`    ${outcome}`);
  if (tally.limits) console.log(`    limits: ${tally.limits}`);
}
const total = (field) => results.reduce((sum, t) => sum + (t[field] ?? 0), 0);
const summary = {
  seconds: (Date.now() - started) / 1000,
  tried: total('tried'),
  typed: total('typed'),
  untyped: total('untyped'),
  hangs: total('hangs'),
  leftovers: total('leftovers'),
  sections: results,
};
writeFileSync(`${ROOT}stress-report.json`, `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `stress: ${summary.tried} inputs tried, ${summary.typed} typed, ${summary.untyped} untyped, ${summary.hangs} hangs, ${summary.leftovers} files left behind, in ${summary.seconds.toFixed(0)} s (stress-report.json)`,
);
process.exit(summary.untyped + summary.hangs + summary.leftovers > 0 ? 1 : 0);
