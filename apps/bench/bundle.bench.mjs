// `npm run bench` for what the SDK costs a browser application, side by side in one run: the minified and gzip
// size of browser bundles (esbuild, minified, browser conditions) of an app that only reads NIfTI, of one that
// only talks to an annotation server, of one that does both, and of one that reads NIfTI and resamples; and the
// number of packages `npm install` brings into a fresh project. Everything comes from the workspace's own packed
// tarballs installed into fresh projects, as an application gets the packages (third-party packages from the
// npm registry, or npm's cache). Needs `npm run build` first (the tarballs hold dist/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The figures of the issue that split DICOM out of nifti-io (nifti-io 0.1.0 with daikon and itk-wasm inside).
const BEFORE = { readGzipBytes: 269 * 1024, packages: 208 };
const TARGET = { readGzipBytes: 40 * 1024, packages: 20 };
const PACKED = ['@medaas/core', '@medaas/nifti-io', '@medaas/aiaa-client'];

// What each application writes (the packages' READMEs), named as its bundler sees it.
const APPS = {
  readsNifti: {
    label: 'app that only reads NIfTI',
    source: `import { readNifti } from '@medaas/nifti-io';
globalThis.app = readNifti;`,
  },
  annotationServer: {
    label: 'app that only talks to an annotation server',
    source: `import { createAiaaClient } from '@medaas/aiaa-client';
import { connectAnnotationServer } from '@medaas/aiaa-client/interactive';
globalThis.app = [createAiaaClient, connectAnnotationServer];`,
  },
  both: {
    label: 'app that reads NIfTI and talks to a server',
    source: `import { readNifti } from '@medaas/nifti-io';
import { createAiaaClient } from '@medaas/aiaa-client';
import { connectAnnotationServer } from '@medaas/aiaa-client/interactive';
globalThis.app = [readNifti, createAiaaClient, connectAnnotationServer];`,
  },
  // The engine's two functions, named as the nifti-io README has a browser app that resamples do.
  resamples: {
    label: 'app that reads NIfTI and resamples',
    source: `import { readNifti, resample, setItkPipelinesBaseUrl, setResampleEngine } from '@medaas/nifti-io';
import { resample as itkResample, setPipelinesBaseUrl } from '@itk-wasm/downsample';
setResampleEngine({ resample: itkResample, setPipelinesBaseUrl });
setItkPipelinesBaseUrl('/assets/itk/pipelines');
globalThis.app = [readNifti, resample];`,
  },
};

for (const name of PACKED) {
  const dir = join(root, 'packages', name.slice('@medaas/'.length));
  if (!existsSync(join(dir, 'dist/index.js'))) throw new Error(`${relative(root, dir)}/dist is missing: run npm run build first`);
}
const work = mkdtempSync(join(tmpdir(), 'medaas-bundle-bench-'));
try {
  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', tarballDir, ...PACKED.flatMap((n) => ['-w', n])], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const tarball = Object.fromEntries(packed.map((p) => [p.name, join(tarballDir, p.filename)]));

  /** A fresh project with `specs` installed; returns its folder and the number of packages npm put there. */
  function freshProject(name, specs) {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
    const start = performance.now();
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error', ...specs], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const installMs = performance.now() - start;
    const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8'));
    return { dir, packages: Object.keys(lock.packages).filter((key) => key !== '').length, installMs };
  }

  async function sizeOfBundle(dir, source) {
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

  // The tarballs a project needs: npm would otherwise look for the @medaas packages they name in the registry.
  const nifti = freshProject('reads-nifti', [tarball['@medaas/core'], tarball['@medaas/nifti-io']]);
  const client = freshProject('annotation-server', [tarball['@medaas/core'], tarball['@medaas/aiaa-client']]);
  const both = freshProject('both', [tarball['@medaas/core'], tarball['@medaas/nifti-io'], tarball['@medaas/aiaa-client']]);
  const resampling = freshProject('resamples', [tarball['@medaas/core'], tarball['@medaas/nifti-io'], '@itk-wasm/downsample@^2.0.2']);
  const sizes = {
    readsNifti: await sizeOfBundle(nifti.dir, APPS.readsNifti.source),
    annotationServer: await sizeOfBundle(client.dir, APPS.annotationServer.source),
    both: await sizeOfBundle(both.dir, APPS.both.source),
    resamples: await sizeOfBundle(resampling.dir, APPS.resamples.source),
  };
  const dicomFiles = filesNaming(join(nifti.dir, 'node_modules/@medaas/nifti-io'), /daikon|dcmjs|dicom-parser/i);

  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const verdict = (ok) => (ok ? 'meets target' : 'MISSES target');
  const line = (key) =>
    `${`${APPS[key].label}:`.padEnd(50)}${kb(sizes[key].gzipBytes).padStart(8)} gzip (${kb(sizes[key].minBytes)} minified)`;
  const installs = (label, p) =>
    `${`npm install ${label}:`.padEnd(50)}${String(p.packages).padStart(4)} packages (${(p.installMs / 1000).toFixed(1)} s)`;
  console.log(
    'browser bundles (esbuild --bundle --minify --platform=browser --format=esm, gzip level 6) and installs, from packed tarballs\n',
  );
  console.log(
    `${line('readsNifti')}; target <= ${kb(TARGET.readGzipBytes)}: ${verdict(sizes.readsNifti.gzipBytes <= TARGET.readGzipBytes)}; before ${kb(BEFORE.readGzipBytes)} (${(BEFORE.readGzipBytes / sizes.readsNifti.gzipBytes).toFixed(0)}x smaller)`,
  );
  console.log(`${line('annotationServer')}; AIAA v1 client and the protocol-neutral connectAnnotationServer (MONAI Label too)`);
  console.log(`${line('both')}`);
  console.log(`${line('resamples')}; itk-wasm's worker loader included, the wasm pipeline is served apart`);
  console.log(
    `${installs('@medaas/nifti-io', nifti)}; target <= ${TARGET.packages}: ${verdict(nifti.packages <= TARGET.packages)}; before ${BEFORE.packages}`,
  );
  console.log(installs('@medaas/aiaa-client', client));
  console.log(installs('@medaas/nifti-io @medaas/aiaa-client', both));
  console.log(`${installs('@medaas/nifti-io @itk-wasm/downsample', resampling)}: what a project that resamples installs`);
  console.log(`files of the installed nifti-io naming a DICOM parser: ${dicomFiles.length ? dicomFiles.join(', ') : 'none'}`);

  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results/bundle.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        bundles: sizes,
        installedPackages: {
          niftiIo: nifti.packages,
          aiaaClient: client.packages,
          both: both.packages,
          niftiIoWithResampleEngine: resampling.packages,
        },
        dicomParserMentions: dicomFiles,
        targets: TARGET,
        before: BEFORE,
      },
      null,
      2,
    ),
  );
  if (sizes.readsNifti.gzipBytes > TARGET.readGzipBytes || nifti.packages > TARGET.packages || dicomFiles.length > 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
