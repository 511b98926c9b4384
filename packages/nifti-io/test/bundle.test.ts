// What an application gets from nifti-io: a browser bundle without the DICOM parser, Node or ITK, and a
// typed error naming the install command when `resample` runs without its optional engine. Sizes are
// measured by apps/bench/bundle.bench.mjs (the cross-package benchmarks' workspace); this asserts what is in the bundle and what a user sees.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const workspaceModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));

/**
 * Resolves the package's `#gzip`/`#itk` imports to the sources of the target its own import map names for
 * `platform`, so a change to that map is tested too.
 */
async function importMapPlugin(platform: 'browser' | 'node'): Promise<Plugin> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    imports: Record<string, Record<string, string>>;
  };
  return {
    name: 'nifti-io-import-map',
    setup(b) {
      b.onResolve({ filter: /^#(gzip|itk)$/ }, (args) => {
        const entry = manifest.imports[args.path]!;
        const target = (platform === 'node' ? entry['node'] : entry['default'])!;
        return { path: join(packageDir, target.replace('./dist/', './src/').replace(/\.js$/, '.ts')) };
      });
    },
  };
}

/** Bundles `source` (an application's entry) with esbuild the way an application's build would. */
async function bundle(source: string, platform: 'browser' | 'node'): Promise<{ text: string; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    target: 'es2022',
    conditions: ['@medaas/source'],
    metafile: true,
    logLevel: 'silent',
    plugins: [await importMapPlugin(platform)],
  });
  return { text: result.outputFiles[0]!.text, metafile: result.metafile };
}

const inputsMatching = (metafile: Metafile, pattern: RegExp): string[] => Object.keys(metafile.inputs).filter((path) => pattern.test(path));
const externalImports = (metafile: Metafile): string[] =>
  Object.values(metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));

describe('the browser bundle of an application', () => {
  it('that only reads NIfTI holds no DICOM parser, no itk-wasm and no node: import', async () => {
    const { text, metafile } = await bundle(`import { readNifti } from '@medaas/nifti-io';\nglobalThis.app = readNifti;`, 'browser');
    expect(inputsMatching(metafile, /read\.ts$/)).toHaveLength(1);
    expect(inputsMatching(metafile, /daikon|dcmjs|dicom-parser|packages\/dicom\//)).toEqual([]);
    expect(inputsMatching(metafile, /itk-wasm/)).toEqual([]);
    expect(externalImports(metafile).filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(text).not.toMatch(/daikon|dcmjs/i);
  });

  it('that imports the whole API, deprecated DICOM forwarders included, still holds none of them', async () => {
    const { metafile } = await bundle(`import * as nifti from '@medaas/nifti-io';\nglobalThis.app = nifti;`, 'browser');
    expect(inputsMatching(metafile, /resample\.ts$/)).toHaveLength(1);
    expect(inputsMatching(metafile, /dicom-moved\.ts$/)).toHaveLength(1);
    expect(inputsMatching(metafile, /daikon|dcmjs|dicom-parser|packages\/dicom\/|itk-wasm/)).toEqual([]);
    // The two lazy imports left for run time: the forwarders' @medaas/dicom and nothing of Node.
    expect(externalImports(metafile).filter((path) => path.startsWith('node:'))).toEqual([]);
  });
});

describe('resample in a Node project', () => {
  const script = `import { resample } from '@medaas/nifti-io';
const volume = { dims: [4, 4, 4], datatype: 'float32', data: new Float32Array(64).fill(7), affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] };
try {
  const out = await resample(volume, { spacingMm: 2 }, { interpolation: 'linear' });
  console.log(JSON.stringify({ dims: out.dims, first: out.data[0] }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, name: error.name, message: error.message, details: error.details }));
}
`;
  let project: string;
  let app: string;
  beforeAll(async () => {
    // Outside the workspace, so that Node resolves packages the way it would in the user's project.
    project = await mkdtemp(join(tmpdir(), 'medaas-resample-engine-'));
    app = (await bundle(script, 'node')).text;
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  async function runIn(dir: string): Promise<Record<string, unknown>> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'app.mjs'), app);
    const { stdout } = await run(process.execPath, [join(dir, 'app.mjs')], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  }

  it('without @itk-wasm/downsample installed rejects with NIFTI_RESAMPLE_UNAVAILABLE and the install command', async () => {
    const outcome = await runIn(join(project, 'without-engine'));
    expect(outcome['code']).toBe('NIFTI_RESAMPLE_UNAVAILABLE');
    expect(outcome['name']).toBe('NiftiError');
    expect(outcome['message']).toContain('npm install @itk-wasm/downsample');
    expect(outcome['details']).toEqual({ package: '@itk-wasm/downsample', install: 'npm install @itk-wasm/downsample', platform: 'node' });
  });

  it('with it installed resamples through it (the same bundle, one node_modules apart)', async () => {
    const dir = join(project, 'with-engine');
    await mkdir(join(dir, 'node_modules'), { recursive: true });
    await symlink(join(workspaceModules, '@itk-wasm'), join(dir, 'node_modules/@itk-wasm'), 'dir');
    const outcome = await runIn(dir);
    expect(outcome).toEqual({ dims: [2, 2, 2], first: 7 });
  });
});
