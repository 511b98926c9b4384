// `npm run bench` for what @medaas/nifti-io costs an application, side by side in one run: the gzip size of
// browser bundles (esbuild, minified, browser conditions) of an app that only reads NIfTI and of an app that
// reads NIfTI and resamples, and the number of packages `npm install` brings into a fresh project, from the
// workspace's own packed tarballs (third-party packages come from the npm registry, or npm's cache).
// Needs `npm run build` first (the tarballs hold dist/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
// The figures of the issue that split DICOM out of nifti-io (nifti-io 0.1.0 with daikon and itk-wasm inside).
const BEFORE = { readGzipBytes: 269 * 1024, packages: 208 };
const TARGET = { readGzipBytes: 40 * 1024, packages: 20 };

const APPS = {
  'reads NIfTI': `import { readNifti } from '@medaas/nifti-io';
globalThis.app = readNifti;`,
  // What a browser app that resamples writes (README): the engine's two functions, named.
  'reads NIfTI + resamples': `import { readNifti, resample, setItkPipelinesBaseUrl, setResampleEngine } from '@medaas/nifti-io';
import { resample as itkResample, setPipelinesBaseUrl } from '@itk-wasm/downsample';
setResampleEngine({ resample: itkResample, setPipelinesBaseUrl });
setItkPipelinesBaseUrl('/assets/itk/pipelines');
globalThis.app = [readNifti, resample];`,
};

for (const pkg of ['core', 'nifti-io']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist/index.js'))) throw new Error(`packages/${pkg}/dist is missing: run npm run build first`);
}
const work = mkdtempSync(join(tmpdir(), 'medaas-bundle-bench-'));
try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, '-w', '@medaas/core', '-w', '@medaas/nifti-io'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const specs = packed.map((p) => join(tarballs, p.filename));

  /** A fresh project with `specs` installed; returns its folder and the number of packages npm put there. */
  function freshProject(name, extra) {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
    const start = performance.now();
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error', ...specs, ...extra], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const installMs = performance.now() - start;
    const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8'));
    return { dir, packages: Object.keys(lock.packages).filter((key) => key !== '').length, installMs };
  }

  async function gzipOfBundle(dir, source) {
    const result = await build({
      stdin: { contents: source, resolveDir: dir, loader: 'js', sourcefile: 'app.js' },
      absWorkingDir: dir,
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0].contents;
    return { minBytes: bytes.length, gzipBytes: gzipSync(bytes).length };
  }

  /** Files of the installed nifti-io that name a DICOM parser (none since the split). */
  function filesNaming(dir, pattern) {
    const hits = [];
    const walk = (d) => {
      for (const entry of readdirSync(d)) {
        const path = join(d, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (pattern.test(readFileSync(path, 'utf8'))) hits.push(relative(dir, path));
      }
    };
    walk(dir);
    return hits;
  }

  const plain = freshProject('reads-nifti', []);
  const withEngine = freshProject('resamples', ['@itk-wasm/downsample@^2.0.2']);
  const read = await gzipOfBundle(plain.dir, APPS['reads NIfTI']);
  const resampling = await gzipOfBundle(withEngine.dir, APPS['reads NIfTI + resamples']);
  const dicomFiles = filesNaming(join(plain.dir, 'node_modules/@medaas/nifti-io'), /daikon|dcmjs|dicom-parser/i);

  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const verdict = (ok) => (ok ? 'meets target' : 'MISSES target');
  console.log('nifti-io bundle and install size (esbuild --bundle --minify --platform=browser --format=esm, gzip level 6)\n');
  console.log(`app that only reads NIfTI:        ${kb(read.gzipBytes)} gzip (${kb(read.minBytes)} minified); target <= ${kb(TARGET.readGzipBytes)}: ${verdict(read.gzipBytes <= TARGET.readGzipBytes)}; before ${kb(BEFORE.readGzipBytes)} (${(BEFORE.readGzipBytes / read.gzipBytes).toFixed(0)}x smaller)`);
  console.log(`app that reads NIfTI + resamples: ${kb(resampling.gzipBytes)} gzip (${kb(resampling.minBytes)} minified), itk-wasm's worker loader included; the wasm pipeline is served apart`);
  console.log(`npm install @medaas/nifti-io:     ${plain.packages} packages (${(plain.installMs / 1000).toFixed(1)} s); target <= ${TARGET.packages}: ${verdict(plain.packages <= TARGET.packages)}; before ${BEFORE.packages}`);
  console.log(`  + @itk-wasm/downsample:         ${withEngine.packages} packages (${(withEngine.installMs / 1000).toFixed(1)} s): what a project that resamples installs`);
  console.log(`files of the installed nifti-io naming a DICOM parser: ${dicomFiles.length ? dicomFiles.join(', ') : 'none'}`);

  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results/nifti-io-bundle.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        readNifti: read,
        readNiftiAndResample: resampling,
        installedPackages: { niftiIo: plain.packages, withResampleEngine: withEngine.packages },
        dicomParserMentions: dicomFiles,
        targets: TARGET,
        before: BEFORE,
      },
      null,
      2,
    ),
  );
  if (read.gzipBytes > TARGET.readGzipBytes || plain.packages > TARGET.packages || dicomFiles.length > 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
