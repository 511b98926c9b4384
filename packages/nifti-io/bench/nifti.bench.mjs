// `npm run bench` for @medaas/nifti-io: read/write time and peak memory, side by side in one run with
// a bare zlib gunzip (the limit), nibabel and nifti-reader-js on the same files; then the gzip level
// for label masks. Every measurement runs in its own process. Results print as a table and are saved
// to bench-results/nifti-io.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { writeNifti } from '@medaas/nifti-io';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const cache = join(root, '.cache/bench');
mkdirSync(cache, { recursive: true });
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const PYTHON = '/usr/bin/python3';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function child(caseName, file, out) {
  const json = execFileSync(process.execPath, ['--expose-gc', join(here, 'child.mjs'), caseName, file, String(REPEATS), out ?? ''], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(json);
}

function nibabel(mode, file, out) {
  const args =
    mode === 'read'
      ? [join(here, 'nibabel_bench.py'), 'read', file, String(REPEATS)]
      : [join(here, 'nibabel_bench.py'), 'write', file, out, String(REPEATS)];
  return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }));
}

/** A 512x512x300 int16 CT-like volume: smooth body, noise, air. Written once into the cache. */
async function ctVolume() {
  const path = join(cache, 'ct-512x512x300-int16.nii.gz');
  if (existsSync(path)) return path;
  const [nx, ny, nz] = [512, 512, 300];
  const data = new Int16Array(nx * ny * nz);
  let state = 1;
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const body = Math.hypot((i - 256) / 200, (j - 256) / 150) < 1;
        const bone = Math.hypot((i - 256) / 30, (j - 300) / 30) < 1;
        data[i + nx * (j + ny * k)] = (bone ? 700 : body ? 40 : -1000) + (state >>> 27);
      }
  await writeNiftiFile(path, {
    dims: [nx, ny, nz],
    datatype: 'int16',
    data,
    affine: [
      [-0.7, 0, 0, 180],
      [0, -0.7, 0, 180],
      [0, 0, 1, -150],
      [0, 0, 0, 1],
    ],
  });
  return path;
}

async function plainCopy(gzPath) {
  const path = gzPath.replace(/\.gz$/, '');
  if (!existsSync(path)) await writeNiftiFile(path, await readNiftiFile(gzPath));
  return path;
}

const results = { date: new Date().toISOString(), repeats: REPEATS, read: [], write: [] };

const files = [
  { name: 'ch2better.nii.gz (301x370x316 uint8)', path: '/usr/share/mricron/templates/ch2better.nii.gz' },
  { name: 'CT 512x512x300 int16 .nii.gz', path: await ctVolume() },
];
files.push({ name: 'CT 512x512x300 int16 .nii', path: await plainCopy(files[1].path) });

console.log(`nifti-io benchmark: median of ${REPEATS} runs each, every case in its own process\n`);
for (const { name, path } of files) {
  const gz = path.endsWith('.gz');
  const rows = {};
  if (gz) rows['zlib gunzip (limit)'] = child('zlib-gunzip', path);
  rows['medaas readNiftiFile'] = child('medaas-readNiftiFile', path);
  rows['medaas readNifti(bytes)'] = child('medaas-readNifti-bytes', path);
  rows['nibabel'] = nibabel('read', path);
  rows['nifti-reader-js'] = child('nifti-reader-js', path);
  const decoded = rows['medaas readNiftiFile'].decodedBytes;
  const ours = median(rows['medaas readNiftiFile'].ms);
  console.log(`READ ${name}: ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB on disk, ${(decoded / 2 ** 20).toFixed(1)} MiB decoded`);
  for (const [label, r] of Object.entries(rows)) {
    const ms = median(r.ms);
    const peak = (r.peakBytes - r.baselineBytes) / decoded;
    console.log(
      `  ${label.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms   x${(ms / ours).toFixed(2)} of medaas   peak +${peak.toFixed(2)}x decoded`,
    );
    results.read.push({ file: name, reader: label, medianMs: ms, peakOverDecoded: peak });
  }
  if (gz)
    console.log(
      `  => medaas / zlib gunzip = ${(ours / median(rows['zlib gunzip (limit)'].ms)).toFixed(2)} (target <= 1.2), medaas / nibabel = ${(ours / median(rows.nibabel.ms)).toFixed(2)} (target < 1)`,
    );
  console.log('');
}

for (const { name, path } of [files[1]]) {
  for (const gz of [true, false]) {
    const out = join(cache, `write-out.nii${gz ? '.gz' : ''}`);
    const ours = child('medaas-writeNiftiFile', path, out);
    const theirs = nibabel('write', path, out);
    const decoded = ours.decodedBytes;
    const a = median(ours.ms);
    const b = median(theirs.ms);
    console.log(
      `WRITE ${name} as ${gz ? '.nii.gz (default level; nibabel uses 1)' : '.nii'}: medaas ${a.toFixed(0)} ms (peak +${((ours.peakBytes - ours.baselineBytes) / decoded).toFixed(2)}x), nibabel ${b.toFixed(0)} ms (peak +${((theirs.peakBytes - theirs.baselineBytes) / decoded).toFixed(2)}x): medaas / nibabel = ${(a / b).toFixed(2)}`,
    );
    results.write.push({ file: name, gzip: gz, medaasMs: a, nibabelMs: b });
  }
}

// gzip level: size and time of the whole file for every level, on real and synthetic images and masks.
console.log('\nGZIP LEVEL vs file size and write time (writeNifti in memory, median of runs)');
const brain = await readNiftiFile('/usr/share/mricron/templates/ch2bet.nii.gz');
const aal = await readNiftiFile('/usr/share/mricron/templates/aal.nii.gz');
const better = await readNiftiFile(files[0].path);
const ct = await readNiftiFile(files[1].path);
const levelCases = [
  { kind: 'image', name: 'ch2better (T1, uint8)', volume: better },
  { kind: 'image', name: 'CT 512x512x300 int16', volume: ct },
  { kind: 'mask', name: 'ch2bet > 0 (brain mask, 181x217x181)', volume: { ...brain, data: brain.data.map((v) => (v > 0 ? 1 : 0)) } },
  { kind: 'mask', name: 'aal (116 labels, 181x217x181)', volume: aal },
  {
    kind: 'mask',
    name: 'CT body > -500 (512x512x300)',
    volume: { dims: ct.dims, affine: ct.affine, datatype: 'uint8', data: Uint8Array.from(ct.data, (v) => (v > -500 ? 1 : 0)) },
  },
];
for (const { kind, name, volume } of levelCases) {
  const line = [];
  for (const level of [1, 2, 3, 4, 6, 9]) {
    const times = [];
    let size = 0;
    for (let i = 0; i < REPEATS; i += 1) {
      const start = performance.now();
      size = (await writeNifti(volume, { gzip: true, level })).length;
      times.push(performance.now() - start);
    }
    line.push({ level, bytes: size, ms: median(times) });
  }
  const base = line.find((l) => l.level === 6);
  console.log(`  ${kind}: ${name}, ${(volume.data.byteLength / 2 ** 20).toFixed(1)} MiB raw`);
  for (const l of line) {
    console.log(
      `    level ${l.level}: ${(l.bytes / 1024).toFixed(0).padStart(7)} KiB (${(l.bytes / base.bytes).toFixed(2)}x level 6)  ${l.ms.toFixed(0).padStart(5)} ms (${(l.ms / base.ms).toFixed(2)}x level 6)`,
    );
  }
  results.levels = [...(results.levels ?? []), { kind, name, levels: line }];
}

mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results/nifti-io.json'), JSON.stringify(results, null, 2));
console.log('\nsaved bench-results/nifti-io.json');
