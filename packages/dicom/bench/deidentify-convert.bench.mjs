// `npm run bench` for @medaas/dicom, side by side in one run: a 300-instance 512x512 CT series read from disk,
// de-identified (DICOM PS3.15 basic profile), converted to a volume and written as .nii, against dcm2niix
// converting the same files to .nii (-z n). Also series to volume alone. Median of BENCH_REPEATS runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertDicomSeries, deidentifyDicom } from '@medaas/dicom';
import { writeNiftiFile } from '@medaas/nifti-io/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const cache = join(root, '.cache/bench');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function time(fn) {
  const ms = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

const series = join(cache, 'dicom-ct-300-valid-uids');
if (!existsSync(join(series, 'done'))) {
  rmSync(series, { recursive: true, force: true });
  execFileSync('/usr/bin/python3', [join(here, '../test/reference/make_ct_series.py'), series, '300', '--seed', 'bench'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(join(series, 'done'), '');
}
const names = readdirSync(series)
  .filter((n) => n.endsWith('.dcm'))
  .sort();
const read = () => names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(series, name))) }));
const out = join(cache, 'dicom-bench-out');
mkdirSync(out, { recursive: true });

// One untimed round first: the JIT and the page cache warm up for both tools alike.
await deidentifyDicom(read()).then(({ instances }) => convertDicomSeries(instances));
execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'ref', '-o', out, series], { stdio: 'pipe' });

console.log(`@medaas/dicom benchmark: ${names.length}-instance 512x512 CT series, median of ${REPEATS} runs\n`);
const deidConvert = await time(async () => {
  const { instances } = await deidentifyDicom(read());
  await writeNiftiFile(join(out, 'medaas.nii'), await convertDicomSeries(instances));
});
const convertOnly = await time(async () => {
  await writeNiftiFile(join(out, 'medaas.nii'), await convertDicomSeries(read()));
});
const deidOnly = await time(async () => {
  await deidentifyDicom(read());
});
const dcm2niix = await time(async () => {
  execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'ref', '-o', out, series], { stdio: 'pipe' });
});
const ratio = (a, b) => (a / b).toFixed(2);
console.log(`  medaas read + de-identify + convert + write .nii: ${deidConvert.toFixed(0)} ms`);
console.log(`  medaas read + convert + write .nii:               ${convertOnly.toFixed(0)} ms`);
console.log(`  medaas read + de-identify (in memory):            ${deidOnly.toFixed(0)} ms`);
console.log(`  dcm2niix read + convert + write .nii:             ${dcm2niix.toFixed(0)} ms`);
console.log(`  => de-identify + convert / dcm2niix = ${ratio(deidConvert, dcm2niix)} (target <= 1.0)`);
console.log(`  => convert / dcm2niix = ${ratio(convertOnly, dcm2niix)}\n`);
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results/dicom-convert.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      instances: names.length,
      deidentifyConvertMs: deidConvert,
      convertMs: convertOnly,
      deidentifyMs: deidOnly,
      dcm2niixMs: dcm2niix,
    },
    null,
    2,
  ),
);
rmSync(out, { recursive: true, force: true });
