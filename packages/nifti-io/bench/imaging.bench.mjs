// `npm run bench` for @medaas/nifti-io imaging, side by side in one run: DICOM series conversion vs
// dcm2niix, and resampling a 512x512x300 CT-sized volume from 0.7 x 0.7 x 2.5 mm to 1 mm vs
// scipy.ndimage (order 1 and 0). Median of BENCH_REPEATS runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resample } from '@medaas/nifti-io';
import { convertDicomSeries } from '@medaas/dicom';
import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const cache = join(root, '.cache/bench');
mkdirSync(cache, { recursive: true });
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const PYTHON = '/usr/bin/python3';
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

// A 512x512x300 CT series written with pydicom (once, cached): 300 files, 0.7 x 0.7 mm, 2.5 mm apart.
const series = join(cache, 'dicom-ct-512x512x300');
if (!existsSync(join(series, 'done'))) {
  execFileSync(PYTHON, [join(here, 'make_dicom_series.py'), series], { stdio: 'inherit' });
  writeFileSync(join(series, 'done'), '');
}
const names = readdirSync(series).filter((n) => n.endsWith('.dcm'));
console.log(`imaging benchmark: median of ${REPEATS} runs\n`);
const oursDicom = await time(async () => {
  const files = names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(series, name))) }));
  await convertDicomSeries(files);
});
const out = join(cache, 'dcm2niix-out');
const theirsDicom = await time(async () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'ref', '-o', out, series], { stdio: 'pipe' });
});
console.log(`DICOM 512x512x300 CT series (${names.length} files) to a volume:`);
console.log(`  medaas convertDicomSeries (read files + convert): ${oursDicom.toFixed(0)} ms`);
console.log(`  dcm2niix (read + convert + write .nii):           ${theirsDicom.toFixed(0)} ms`);
console.log(`  => medaas / dcm2niix = ${(oursDicom / theirsDicom).toFixed(2)} (target <= 2)\n`);

// Resampling: the converted CT, 0.7 x 0.7 x 2.5 mm -> 1 mm.
const ctPath = join(cache, 'dicom-ct.nii');
if (!existsSync(ctPath)) {
  const files = names.map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(series, name))) }));
  await writeNiftiFile(ctPath, await convertDicomSeries(files));
}
const ct = await readNiftiFile(ctPath);
console.log(`RESAMPLE ${ct.dims.join('x')} int16 at 0.7 x 0.7 x 2.5 mm to 1 mm:`);
const results = {};
for (const [interpolation, order] of [
  ['linear', 1],
  ['nearest', 0],
]) {
  const ours = await time(() =>
    resample(ct, { spacingMm: 1 }, { interpolation, datatype: interpolation === 'linear' ? 'float32' : undefined }),
  );
  const theirs = JSON.parse(
    execFileSync(PYTHON, [join(here, 'scipy_resample_bench.py'), ctPath, String(order), String(REPEATS)], { encoding: 'utf8' }),
  ).medianMs;
  console.log(
    `  ${interpolation.padEnd(8)} medaas ${ours.toFixed(0)} ms, scipy.ndimage order ${order} ${theirs.toFixed(0)} ms => medaas / scipy = ${(ours / theirs).toFixed(2)} (target <= 1.5)`,
  );
  results[interpolation] = { medaasMs: ours, scipyMs: theirs };
}
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(
  join(root, 'bench-results/nifti-io-imaging.json'),
  JSON.stringify({ date: new Date().toISOString(), dicom: { medaasMs: oursDicom, dcm2niixMs: theirsDicom }, resample: results }, null, 2),
);
