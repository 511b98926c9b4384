import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError, type Progress } from '@medaas/core';
import { connectSsh, sh, type SshSession } from '@medaas/cluster-ssh';
import { enableFineTuning, parseMmar, validateMmar } from '@medaas/mmar';
import { enableBundleFineTuning, parseBundle, setBundleLabels } from '@medaas/mmar/bundle';
import { downloadPretrained, zooChecksum, type DownloadPretrainedOptions, type PretrainedModel } from '../src/index.js';
import { sshOptions, startSshd, type SshdInfo } from '../../cluster-ssh/test/helpers/services.js';
import { fixtureText, installStandIns, SYSTEM_PATH, type StandIns } from './helpers/pretrained-standins.js';

let sshd: SshdInfo;
let session: SshSession;
let standIns: StandIns;

beforeAll(async () => {
  sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  standIns = await installStandIns(session, sshd.home);
}, 120_000);

afterAll(async () => {
  await standIns?.remove();
  await session?.close();
});

const SPLEEN = 'nvidia/med/clara_pt_spleen_ct_segmentation';
const MMAR = 'share/ngc/clara_pt_spleen_ct_segmentation';
const BUNDLE = 'bundle/spleen_ct_segmentation';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown>; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isMedaasError(error)) return { code: error.code, message: error.message, details: { ...error.details }, error };
    return { code: String(error), message: String(error), details: {}, error };
  }
  throw new Error('expected a rejection, got a result');
}

/** NGC options with the stand-ins on PATH and a key in the environment, as a login profile would set it. */
function ngc(destDir: string, extra: Partial<DownloadPretrainedOptions> = {}): DownloadPretrainedOptions {
  return {
    catalog: 'ngc',
    name: SPLEEN,
    version: '1',
    destDir,
    env: { PATH: standIns.path, NGC_API_KEY: 'nvapi-test-profile-key' },
    pollIntervalMs: 50,
    ...extra,
  };
}

function zoo(destDir: string, extra: Partial<DownloadPretrainedOptions> = {}): DownloadPretrainedOptions {
  return {
    catalog: 'monai-zoo',
    name: 'spleen_ct_segmentation',
    version: '0.5.4',
    destDir,
    env: { PATH: standIns.path },
    pollIntervalMs: 50,
    ...extra,
  };
}

describe('NGC MMARs with `ngc registry model download-version` on the login node', () => {
  let dest: string;
  let first: PretrainedModel;
  const progress: Progress[] = [];
  const output: string[] = [];

  it('downloads into destDir/NAME_vVERSION, reports progress as the tool prints it, and reads the text files back', async () => {
    dest = await standIns.folder('ngc-models');
    const before = (await standIns.calls()).length;
    first = await downloadPretrained(session, ngc(dest, { onProgress: (p) => progress.push(p), onOutput: (line) => output.push(line) }));
    expect(first).toMatchObject({
      catalog: 'ngc',
      name: SPLEEN,
      version: '1',
      dir: `${dest}/clara_pt_spleen_ct_segmentation_v1`,
      kind: 'mmar',
      downloaded: true,
    });
    expect(Object.keys(first.files).sort()).toEqual([
      'commands/set_env.sh',
      'commands/train.sh',
      'config/config_aiaa.json',
      'config/config_train.json',
      'config/environment.json',
      'docs/Readme.md',
      'docs/license.txt',
    ]);
    expect(first.files['config/config_train.json']).toBe(fixtureText(standIns, `${MMAR}/config/config_train.json`));
    expect(first.files['commands/train.sh']).toBe(fixtureText(standIns, `${MMAR}/commands/train.sh`));
    expect(first.sha256['models/model.pt']).toBe(sha256(standIns.mmarWeights));
    // The files read back are the MMAR as @medaas/mmar types it, ready for fine-tuning from the downloaded weights.
    const mmar = parseMmar(first.files);
    expect(mmar.generation).toBe('clara4');
    expect(mmar.train?.value.epochs).toBe(1260);
    expect(mmar.aiaa?.value.labels).toEqual(['spleen']);
    const finetuning = enableFineTuning(mmar, { checkpoint: 'models/model.pt' });
    expect(finetuning.files['commands/finetune.sh']).toContain('MMAR_CKPT=models/model.pt');
    expect(validateMmar(finetuning).filter((i) => i.severity === 'error')).toEqual([]);
    // The tool was run once, with the real CLI's argv, the key from the environment.
    const calls = (await standIns.calls()).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      new RegExp(
        `^ngc registry model download-version ${SPLEEN}:1 --dest ${dest}/\\.clara_pt_spleen_ct_segmentation_v1\\.medaas-\\w+/dl key=set$`,
      ),
    );
    // Nothing but the final folder is left: the temporary sibling is gone, the marker is in the folder.
    expect(await standIns.list(dest)).toEqual(['clara_pt_spleen_ct_segmentation_v1']);
    expect(await standIns.list(first.dir)).toEqual(['.medaas-pretrained.json', 'commands', 'config', 'docs', 'models']);
    const marker = JSON.parse((await session.exec(sh`cat ${first.dir}/.medaas-pretrained.json`)).stdout) as Record<string, unknown>;
    expect(marker).toMatchObject({ format: 1, catalog: 'ngc', name: SPLEEN, version: '1', kind: 'mmar', tool: `${standIns.bin}/ngc` });
    // Progress came from the lines as they streamed: several increasing byte counts, then verify and read.
    const download = progress.filter((p) => p.phase === 'download');
    expect(download.length).toBeGreaterThanOrEqual(4);
    expect(download.map((p) => p.loaded)).toEqual([...download.map((p) => p.loaded)].sort((a, b) => a - b));
    const total =
      standIns.mmarWeights.length +
      Object.keys(first.files).reduce((sum, path) => sum + Buffer.byteLength(fixtureText(standIns, `${MMAR}/${path}`)), 0);
    expect(Math.abs((download.at(-1)?.loaded ?? 0) - total)).toBeLessThan(10);
    expect(progress.map((p) => p.phase).filter((p, i, all) => all.indexOf(p) === i)).toEqual(['download', 'verify', 'read']);
    expect(output).toContain('Transfer id: clara_pt_spleen_ct_segmentation_v1 Download status: Completed.');
  });

  it('a second call finds the marker and runs nothing: downloaded false, the same files', async () => {
    const before = await standIns.calls();
    const again = await downloadPretrained(session, ngc(dest, { env: { PATH: SYSTEM_PATH } }));
    expect(again).toMatchObject({ dir: first.dir, kind: 'mmar', downloaded: false });
    expect(again.files).toEqual(first.files);
    expect(again.sha256).toEqual(first.sha256);
    // Neither the tool nor its credentials were needed (PATH without ngc, no key), and the log is unchanged.
    expect(await standIns.calls()).toEqual(before);
  });

  it('another version goes into its own folder, verified against a file checksum, weights read back as bytes', async () => {
    const before = (await standIns.calls()).length;
    const v2 = await downloadPretrained(
      session,
      ngc(dest, {
        version: '2',
        read: 'all',
        checksum: { file: 'models/model.pt', algorithm: 'sha256', value: sha256(standIns.mmarWeights).toUpperCase() },
      }),
    );
    expect(v2).toMatchObject({ version: '2', dir: `${dest}/clara_pt_spleen_ct_segmentation_v2`, downloaded: true });
    expect(v2.verified).toEqual([{ file: 'models/model.pt', algorithm: 'sha256', value: sha256(standIns.mmarWeights) }]);
    expect(v2.files['models/model.pt']).toEqual(standIns.mmarWeights);
    expect((await standIns.calls()).slice(before)).toHaveLength(1);
    expect(await standIns.list(dest)).toEqual(['clara_pt_spleen_ct_segmentation_v1', 'clara_pt_spleen_ct_segmentation_v2']);
    // A checksum that contradicts the one verified at download time is refused, without running anything.
    const wrong = await failure(
      downloadPretrained(
        session,
        ngc(dest, { version: '2', checksum: { file: 'models/model.pt', algorithm: 'sha256', value: '0'.repeat(64) } }),
      ),
    );
    expect(wrong.code).toBe('TRAINING_CHECKSUM_MISMATCH');
    expect(wrong.details['actual']).toBe(sha256(standIns.mmarWeights));
  });

  it('without ngc on PATH: TRAINING_CATALOG_TOOL_MISSING naming the tool and the host', async () => {
    const dir = await standIns.folder('ngc-missing-tool');
    const { code, message, details } = await failure(
      downloadPretrained(session, ngc(dir, { env: { PATH: SYSTEM_PATH, NGC_API_KEY: 'x' } })),
    );
    expect(code).toBe('TRAINING_CATALOG_TOOL_MISSING');
    expect(details).toMatchObject({ tool: 'ngc', host: `${sshd.user}@${sshd.host}:${sshd.port}` });
    expect(message).toContain(`ngc is not on the PATH of ${sshd.user}@${sshd.host}:${sshd.port}`);
    expect(await standIns.list(dir)).toEqual([]);
  });

  it('without NGC_API_KEY or ~/.ngc/config: TRAINING_CATALOG_CREDENTIALS_MISSING; with ~/.ngc/config it downloads', async () => {
    const home = await standIns.folder('home-without-key');
    const dir = await standIns.folder('ngc-no-key');
    const before = await standIns.calls();
    const { code, message, details } = await failure(downloadPretrained(session, ngc(dir, { env: { PATH: standIns.path, HOME: home } })));
    expect(code).toBe('TRAINING_CATALOG_CREDENTIALS_MISSING');
    expect(message).toMatch(/NGC_API_KEY/);
    expect(message).toContain('~/.ngc/config');
    expect(details['looked']).toEqual(['NGC_API_KEY', 'NGC_CLI_API_KEY', '~/.ngc/config']);
    expect(await standIns.calls()).toEqual(before);
    await session.exec(
      sh`mkdir -p ${home}/.ngc && printf '[CURRENT]\napikey = nvapi-in-config\nformat_type = ascii\norg = nvidia\n' > ${home}/.ngc/config`,
      { check: true },
    );
    const model = await downloadPretrained(session, ngc(dir, { env: { PATH: standIns.path, HOME: home } }));
    expect(model.downloaded).toBe(true);
  });

  it('an API key given to the call reaches ngc through stdin, never argv, and is redacted from what the tool printed', async () => {
    const dir = await standIns.folder('ngc-broken');
    const key = 'nvapi-SECRET-0123456789abcdef';
    const before = (await standIns.calls()).length;
    const { code, message, details, error } = await failure(
      downloadPretrained(
        session,
        ngc(dir, { name: 'nvidia/med/clara_pt_broken', env: { PATH: standIns.path, HOME: dir }, ngcApiKey: key }),
      ),
    );
    // The stand-in failed midway: files written, then exit 1 with its error on stderr.
    expect(code).toBe('TRAINING_DOWNLOAD_FAILED');
    expect(details).toMatchObject({ exitCode: 1, catalog: 'ngc', name: 'nvidia/med/clara_pt_broken', version: '1' });
    expect(details['stderrTail']).toContain('Error: transfer of clara_pt_broken:1 failed: connection reset by peer after 4 files');
    expect(message).toContain('(exit 1): Error: transfer of clara_pt_broken:1 failed');
    expect(details['stderrTail']).toContain('Authorization: Bearer [redacted]');
    expect(JSON.stringify({ message, details, e: (error as Error).stack })).not.toContain(key);
    const calls = (await standIns.calls()).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/ key=set$/);
    expect(calls.join('\n')).not.toContain(key);
    // No half archive under the final name, no temporary folder left.
    expect(await standIns.list(dir)).toEqual([]);
  });

  it('an abort mid-download kills the tool and leaves nothing behind', async () => {
    const dir = await standIns.folder('ngc-abort');
    const controller = new AbortController();
    const reason = new Error('user pressed cancel');
    const error = await downloadPretrained(
      session,
      ngc(dir, {
        env: { PATH: standIns.path, NGC_API_KEY: 'k', STANDIN_DELAY: '2' },
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'download') controller.abort(reason);
        },
      }),
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(await standIns.list(dir)).toEqual([]);
    // The stand-in was killed with the channel, not left running on the login node.
    let running = '';
    for (let i = 0; i < 50; i += 1) {
      running = (await session.exec(sh`ps -u ${sshd.user} -o args= | grep '[b]in/ngc registry model' || true`)).stdout;
      if (running === '') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(running).toBe('');
  });

  it('an old CLI that reports a failed transfer and exits 0 is a failure too; a folder that is no MMAR is incomplete', async () => {
    const dir = await standIns.folder('ngc-flaky');
    const flaky = await failure(downloadPretrained(session, ngc(dir, { name: 'nvidia/med/clara_pt_flaky' })));
    expect(flaky.code).toBe('TRAINING_DOWNLOAD_FAILED');
    expect(flaky.details['exitCode']).toBe(0);
    expect(flaky.details['stdoutTail']).toContain('Download status: Failed.');
    const docs = await failure(downloadPretrained(session, ngc(dir, { name: 'nvidia/med/clara_pt_docs' })));
    expect(docs.code).toBe('TRAINING_DOWNLOAD_INCOMPLETE');
    expect(docs.message).toContain('without config/config_train.json, config/environment.json or configs/metadata.json');
    expect(docs.details['files']).toEqual(['Readme.md', 'license.txt']);
    expect(await standIns.list(dir)).toEqual([]);
  });

  it('two downloads of the same model at once: one folder, one of them downloaded: false, nothing left over', async () => {
    const dir = await standIns.folder('ngc-race');
    const results = await Promise.all([downloadPretrained(session, ngc(dir)), downloadPretrained(session, ngc(dir))]);
    expect(results.map((r) => r.downloaded).sort()).toEqual([false, true]);
    expect(results[0]?.files).toEqual(results[1]?.files);
    expect(await standIns.list(dir)).toEqual(['clara_pt_spleen_ct_segmentation_v1']);
    // The same folder name for another model (no org) is refused, with what the folder holds.
    const other = await failure(downloadPretrained(session, ngc(dir, { name: 'clara_pt_spleen_ct_segmentation' })));
    expect(other.code).toBe('TRAINING_DESTINATION_EXISTS');
    expect(other.details['found']).toEqual({ catalog: 'ngc', name: SPLEEN, version: '1' });
  });

  it('a final folder that holds something else is never overwritten: TRAINING_DESTINATION_EXISTS', async () => {
    const dir = await standIns.folder('ngc-occupied');
    await session.exec(
      sh`mkdir -p ${dir}/clara_pt_spleen_ct_segmentation_v1 && echo mine > ${dir}/clara_pt_spleen_ct_segmentation_v1/notes.txt`,
      { check: true },
    );
    const { code, details } = await failure(downloadPretrained(session, ngc(dir)));
    expect(code).toBe('TRAINING_DESTINATION_EXISTS');
    expect(details['dir']).toBe(`${dir}/clara_pt_spleen_ct_segmentation_v1`);
    expect((await session.exec(sh`cat ${dir}/clara_pt_spleen_ct_segmentation_v1/notes.txt`)).stdout).toBe('mine\n');
  });
});

describe('MONAI zoo bundles with `python -m monai.bundle download` on the login node', () => {
  it("downloads, verifies the zip against the zoo's model_info.json digest, and returns the bundle", async () => {
    const dest = await standIns.folder('zoo-models');
    const progress: Progress[] = [];
    const modelInfo = { 'spleen_ct_segmentation_v0.5.4': { version: '0.5.4', hash_val: standIns.zipSha256, hash_type: 'sha256' } };
    const checksum = zooChecksum(modelInfo, 'spleen_ct_segmentation', '0.5.4');
    const before = (await standIns.calls()).length;
    const model = await downloadPretrained(session, zoo(dest, { ...(checksum ? { checksum } : {}), onProgress: (p) => progress.push(p) }));
    expect(model).toMatchObject({ catalog: 'monai-zoo', dir: `${dest}/spleen_ct_segmentation_v0.5.4`, kind: 'bundle', downloaded: true });
    expect(model.verified).toEqual([{ algorithm: 'sha256', value: standIns.zipSha256 }]);
    expect(Object.keys(model.files).sort()).toEqual([
      'configs/inference.json',
      'configs/logging.conf',
      'configs/metadata.json',
      'configs/train.json',
      'docs/README.md',
    ]);
    expect(model.files['configs/metadata.json']).toBe(fixtureText(standIns, `${BUNDLE}/configs/metadata.json`));
    expect(model.sha256['models/model.pt']).toBe(sha256(standIns.bundleWeights));
    // Read back as the typed bundle, ready for fine-tuning with new labels.
    const bundle = parseBundle(model.files);
    expect(bundle.metadata?.version).toBe('0.5.4');
    expect(bundle.labels).toEqual(['spleen']);
    const relabelled = enableBundleFineTuning(setBundleLabels(bundle, ['spleen', 'liver']));
    expect(relabelled.labels).toEqual(['spleen', 'liver']);
    expect(relabelled.configs.get('configs/train.json')?.text).toContain('CheckpointLoader');
    // The zip stays out of the model folder; the tool ran with MONAI's own argv.
    expect(await standIns.list(dest)).toEqual(['spleen_ct_segmentation_v0.5.4']);
    const calls = (await standIns.calls()).slice(before);
    expect(calls.filter((c) => c.startsWith('python -m'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^python -m monai\\.bundle download --name spleen_ct_segmentation --version 0\\.5\\.4 --bundle_dir ${dest}/\\.spleen_ct_segmentation_v0\\.5\\.4\\.medaas-\\w+/dl$`,
        ),
      ),
    ]);
    // tqdm's carriage-return redraws were progress too: 25 %, 50 %, 75 %, 100 % of the zip.
    const download = progress.filter((p) => p.phase === 'download');
    expect(download.map((p) => Math.round((100 * p.loaded) / (p.total ?? 1)))).toEqual([25, 50, 75, 100]);

    const again = await downloadPretrained(session, zoo(dest, { env: { PATH: SYSTEM_PATH }, ...(checksum ? { checksum } : {}) }));
    expect(again).toMatchObject({ downloaded: false, kind: 'bundle' });
    expect((await standIns.calls()).length).toBe(before + calls.length);
  });

  it('a zip whose digest is not the expected one: TRAINING_CHECKSUM_MISMATCH and no final folder', async () => {
    const dest = await standIns.folder('zoo-mismatch');
    const expected = 'ab'.repeat(20);
    const { code, details } = await failure(
      downloadPretrained(
        session,
        zoo(dest, {
          checksum: zooChecksum({ 'spleen_ct_segmentation_v0.5.4': { checksum: expected } }, 'spleen_ct_segmentation', '0.5.4')!,
        }),
      ),
    );
    expect(code).toBe('TRAINING_CHECKSUM_MISMATCH');
    expect(details).toMatchObject({ algorithm: 'sha1', expected, actual: standIns.zipSha1, file: 'spleen_ct_segmentation_v0.5.4.zip' });
    expect(await standIns.list(dest)).toEqual([]);
  });

  it("an unknown version fails with the tool's exit status and stderr tail", async () => {
    const dest = await standIns.folder('zoo-unknown');
    const { code, details } = await failure(downloadPretrained(session, zoo(dest, { version: '9.9.9' })));
    expect(code).toBe('TRAINING_DOWNLOAD_FAILED');
    expect(details['exitCode']).toBe(1);
    expect(details['stderrTail']).toMatch(/RuntimeError: Download of file .* failed/);
    expect(await standIns.list(dest)).toEqual([]);
  });

  it('no python on PATH, or a Python without MONAI: TRAINING_CATALOG_TOOL_MISSING', async () => {
    const dest = await standIns.folder('zoo-no-python');
    const none = await failure(downloadPretrained(session, zoo(dest, { env: { PATH: SYSTEM_PATH } })));
    expect(none.code).toBe('TRAINING_CATALOG_TOOL_MISSING');
    expect(none.details).toMatchObject({ tool: 'python', host: `${sshd.user}@${sshd.host}:${sshd.port}` });
    // The host's real python3 has neither MONAI nor fire.
    const bare = await failure(downloadPretrained(session, zoo(dest, { env: { PATH: SYSTEM_PATH }, tool: 'python3' })));
    expect(bare.code).toBe('TRAINING_CATALOG_TOOL_MISSING');
    expect(bare.details).toMatchObject({ tool: 'monai', missing: ['monai', 'fire'] });
    expect(bare.message).toContain("pip install 'monai[fire]'");
    expect(await standIns.list(dest)).toEqual([]);
  });

  it('a tool in a non-default place, given by its absolute path', async () => {
    const dest = await standIns.folder('zoo-tool-path');
    const model = await downloadPretrained(session, zoo(dest, { env: { PATH: SYSTEM_PATH }, tool: `${standIns.bin}/python` }));
    expect(model).toMatchObject({ kind: 'bundle', downloaded: true });
  });
});

describe('hostile names, versions and paths are refused before anything runs', () => {
  const hostile: [string, Partial<DownloadPretrainedOptions>][] = [
    ['a name with a command', { name: 'x; rm -rf ~' }],
    ['a name that climbs', { name: '../..' }],
    ['a name with a newline', { name: 'nvidia/med/a\nb' }],
    ['a name with a substitution', { name: '$(touch pwned)' }],
    ['a name with the version after a colon', { name: `${SPLEEN}:1` }],
    ['a name with four segments', { name: 'a/b/c/d' }],
    ['a version with a command', { version: '1; rm -rf ~' }],
    ['a version that climbs', { version: '../..' }],
    ['a version with a newline', { version: '1\n2' }],
    ['a relative destDir', { destDir: 'models' }],
    ['a destDir that climbs', { destDir: '/scratch/../etc' }],
    ['a destDir with a newline', { destDir: '/scratch/a\nb' }],
    ['a tool with a space', { tool: 'ngc --debug' }],
    ['an env name with a command', { env: { 'X;id': '1' } }],
    ['a key with a newline', { ngcApiKey: 'a\nb' }],
    ['an NGC checksum without its file', { checksum: { algorithm: 'sha256', value: 'a'.repeat(64) } }],
    ['a checksum of the wrong length', { checksum: { algorithm: 'md5', value: 'abc', file: 'models/model.pt' } }],
    ['a checksum file that climbs', { checksum: { algorithm: 'md5', value: 'a'.repeat(32), file: '../x' } }],
  ];
  it.each(hostile)('%s: TRAINING_INVALID_OPTIONS and no command on the cluster', async (_label, extra) => {
    let commands = 0;
    const counting = new Proxy(session, {
      get(target, property, receiver) {
        if (property === 'exec' || property === 'upload') {
          return (...args: unknown[]) => {
            commands += 1;
            return (Reflect.get(target, property, receiver) as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const { code } = await failure(downloadPretrained(counting, ngc('/tmp/never', extra)));
    expect(code).toBe('TRAINING_INVALID_OPTIONS');
    expect(commands).toBe(0);
  });
});
