// Run after `npm run build`: node packages/training/bench/training.bench.mjs
// 1. Log parsing: parseTrainingLog vs the baseline of splitting the log into lines and keeping the
//    "Epoch" ones (the least any watcher does).
// 2. The fit trainer on Colin27 (Debian mricron-data): in process vs as a `local` scheduler job (the job's
//    overhead: node start-up, reading the MMAR and NIfTI files, writing the model), and Dice default vs fitted.
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScheduler } from '@medaas/cluster-ssh';
import { readNifti } from '@medaas/nifti-io';
import { fitWindowModel } from '@medaas/aiaa-testkit';
import { parseTrainingLog, submitTraining, watchTraining } from '@medaas/training';

const T1 = '/usr/share/mricron/templates/ch2.nii.gz';
const BET = '/usr/share/mricron/templates/ch2bet.nii.gz';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// 1. Parsing 190,000 Clara-style lines (about 24 MB).
const lines = [];
for (let epoch = 1; epoch <= 10_000; epoch += 1) {
  for (let it = 1; it <= 16; it += 1)
    lines.push(
      `2021-07-13 09:12:07,456 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch: ${epoch}/10000, Iter: ${it}/16 -- train_loss: 0.${String(9000 - epoch).padStart(4, '0')} `,
    );
  lines.push(
    `2021-07-13 09:12:30,777 - ignite.engine.engine.SupervisedEvaluator - INFO - Epoch[${epoch}] Metrics -- val_mean_dice: 0.8123 `,
  );
  lines.push('2021-07-13 09:12:30,779 - INFO - Epoch complete. Time taken: 00:00:29');
  lines.push(
    `2021-07-13 09:12:30,778 - ignite.engine.engine.SupervisedEvaluator - INFO - Key metric: val_mean_dice best value: 0.8123 at epoch: ${epoch}`,
  );
}
const text = lines.join('\n');
const ours = time(() => parseTrainingLog(text), 5);
const baseline = time(() => text.split('\n').filter((l) => l.includes('Epoch')), 5);
console.log(`log parsing, ${lines.length.toLocaleString('en')} lines (${(text.length / 1e6).toFixed(1)} MB):`);
console.log(`  parseTrainingLog      ${ours.toFixed(0)} ms  (${(((lines.length / ours) * 1000) / 1e6).toFixed(2)} M lines/s)`);
console.log(`  split + filter (base) ${baseline.toFixed(0)} ms  ratio ${(ours / baseline).toFixed(1)}x`);

// 2. Fitting on Colin27.
const image = await readNifti(new Uint8Array(readFileSync(T1)));
const label = await readNifti(new Uint8Array(readFileSync(BET)));
let start = performance.now();
const fitted = await fitWindowModel([{ image, label }]);
const inProcessMs = performance.now() - start;

const root = mkdtempSync(join(tmpdir(), 'medaas-training-bench-'));
mkdirSync(join(root, 'mmar', 'config'), { recursive: true });
copyFileSync(T1, join(root, 't1.nii.gz'));
copyFileSync(BET, join(root, 'bet.nii.gz'));
writeFileSync(join(root, 'dataset_0.json'), JSON.stringify({ training: [{ image: 't1.nii.gz', label: 'bet.nii.gz' }] }));
writeFileSync(
  join(root, 'mmar', 'config', 'environment.json'),
  JSON.stringify({ DATA_ROOT: root, DATASET_JSON: `${root}/dataset_0.json` }),
);
const fitCli = fileURLToPath(new URL('../../aiaa-testkit/dist/fit-cli.js', import.meta.url));
const scheduler = createScheduler('local');
start = performance.now();
const training = await submitTraining(scheduler, { mmarDir: join(root, 'mmar'), command: [process.execPath, fitCli, '--mmar', '{mmar}'] });
let end;
for await (const event of watchTraining(scheduler, training, { intervalMs: 100 })) if (event.type === 'end') end = event;
const jobMs = performance.now() - start;
rmSync(root, { recursive: true, force: true });
console.log(`fit on Colin27 T1 181x217x181 (9 epochs):`);
console.log(`  in process            ${inProcessMs.toFixed(0)} ms`);
console.log(`  as a local job        ${jobMs.toFixed(0)} ms  ratio ${(jobMs / inProcessMs).toFixed(2)}x  (${end.status.state})`);
console.log(
  `  Dice vs brain mask    default ${fitted.epochs[0].metric.toFixed(4)}  fitted ${fitted.bestMetric.toFixed(4)} (epoch ${fitted.bestEpoch}: window (${fitted.best.low.toFixed(1)}, ${fitted.best.high.toFixed(1)}], opening ${fitted.best.opening}, fill holes ${fitted.best.fillHoles})`,
);
