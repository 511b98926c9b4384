import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh, type SshSession } from '@medaas/cluster-ssh';

const FIXTURES = fileURLToPath(new URL('../fixtures/pretrained/', import.meta.url));

/** The PATH of the test user's sessions without the stand-ins (sshd's default). */
export const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Generated weights: every byte value occurs, so they are not UTF-8 and must come back as bytes. */
export function fakeWeights(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** The stand-in catalogs installed for the cluster's test user, and what a test checks against. */
export interface StandIns {
  /** The remote folder everything lives in (removed by `remove()`). */
  readonly root: string;
  /** The folder with the `ngc` and `python` stand-ins. */
  readonly bin: string;
  /** PATH with the stand-ins first. */
  readonly path: string;
  /** The local copy of the fixtures as installed (MMAR, bundle, the zoo's zip). */
  readonly local: string;
  readonly mmarWeights: Uint8Array;
  readonly bundleWeights: Uint8Array;
  /** SHA-256 and SHA-1 of the zoo zip the python stand-in serves, as model_info.json would list them. */
  readonly zipSha256: string;
  readonly zipSha1: string;
  /** The lines the stand-ins appended to their call log, one per invocation. */
  calls(): Promise<string[]>;
  /** A new empty folder under `root` (a destDir, a HOME). */
  folder(name: string): Promise<string>;
  /** Remote entries of a folder, hidden ones included, sorted. */
  list(dir: string): Promise<string[]>;
  remove(): Promise<void>;
}

const sha = (algorithm: string, bytes: Uint8Array): string => createHash(algorithm).update(bytes).digest('hex');

/**
 * Installs the stand-ins on the cluster over SFTP: `bin/ngc`, `bin/python`, the NGC catalog (the hand-written
 * MMAR plus generated weights), the zoo catalog (the bundle zipped as the zoo serves it) and empty `monai`
 * and `fire` packages for the python stand-in's checks.
 */
export async function installStandIns(session: SshSession, home: string): Promise<StandIns> {
  const local = mkdtempSync(join(tmpdir(), 'medaas-pretrained-'));
  const root = `${home}/pretrained-test-${process.pid}-${Date.now()}`;
  cpSync(join(FIXTURES, 'bin'), join(local, 'bin'), { recursive: true });
  cpSync(join(FIXTURES, 'ngc'), join(local, 'share/ngc'), { recursive: true });
  const mmarWeights = fakeWeights(96 * 1024, 7);
  mkdirSync(join(local, 'share/ngc/clara_pt_spleen_ct_segmentation/models'), { recursive: true });
  writeFileSync(join(local, 'share/ngc/clara_pt_spleen_ct_segmentation/models/model.pt'), mmarWeights);
  const bundle = join(local, 'bundle/spleen_ct_segmentation');
  cpSync(join(FIXTURES, 'zoo/spleen_ct_segmentation'), bundle, { recursive: true });
  const bundleWeights = fakeWeights(64 * 1024, 11);
  mkdirSync(join(bundle, 'models'), { recursive: true });
  writeFileSync(join(bundle, 'models/model.pt'), bundleWeights);
  mkdirSync(join(local, 'share/zoo'), { recursive: true });
  const zip = join(local, 'share/zoo/spleen_ct_segmentation_v0.5.4.zip');
  // The zoo's zips hold the bundle under its own name (MONAI extracts them "with base").
  execFileSync('python3', ['-m', 'zipfile', '-c', zip, 'spleen_ct_segmentation'], { cwd: join(local, 'bundle') });
  for (const pkg of ['monai', 'fire']) {
    mkdirSync(join(local, 'share/pylib', pkg), { recursive: true });
    writeFileSync(join(local, 'share/pylib', pkg, '__init__.py'), '');
  }
  const zipBytes = new Uint8Array(readFileSync(zip));
  await session.exec(sh`mkdir -p ${root}`, { check: true });
  for (const part of ['bin', 'share']) await session.upload(join(local, part), `${root}/${part}`);
  await session.exec(sh`chmod 755 ${root}/bin/ngc ${root}/bin/python && touch ${root}/calls.log`, { check: true });
  const bin = `${root}/bin`;
  return {
    root,
    bin,
    path: `${bin}:${SYSTEM_PATH}`,
    local,
    mmarWeights,
    bundleWeights,
    zipSha256: sha('sha256', zipBytes),
    zipSha1: sha('sha1', zipBytes),
    async calls() {
      const { stdout } = await session.exec(sh`cat ${root}/calls.log`, { check: true });
      return stdout.split('\n').filter((line) => line !== '');
    },
    async folder(name) {
      const dir = `${root}/${name}`;
      await session.exec(sh`rm -rf ${dir} && mkdir -p ${dir}`, { check: true });
      return dir;
    },
    async list(dir) {
      const { stdout } = await session.exec(sh`ls -A ${dir} 2>/dev/null | LC_ALL=C sort`);
      return stdout.split('\n').filter((line) => line !== '');
    },
    async remove() {
      await session.exec(sh`rm -rf ${root}`);
      rmSync(local, { recursive: true, force: true });
    },
  };
}

/** The text of a fixture file as installed (the MMAR under share/ngc, the bundle under bundle/). */
export function fixtureText(standIns: StandIns, path: string): string {
  return readFileSync(join(standIns.local, path), 'utf8');
}
