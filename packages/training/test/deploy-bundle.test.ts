import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { connectSsh, sh, type SshSession } from '@medaas/cluster-ssh';
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { serializeWindowModel, spherePhantom, startTestServer } from '@medaas/aiaa-testkit';
import { readBundleFiles } from '@medaas/mmar/bundle/node';
import { labelDice, writeNifti, readNifti } from '@medaas/nifti-io';
import { deployModel, type DeployedBundle } from '../src/index.js';
import { sshOptions, startSshd } from '../../cluster-ssh/test/helpers/services.js';

const BUNDLE = fileURLToPath(new URL('../../mmar/test/fixtures/bundles/spleen_ct_segmentation', import.meta.url));

let session: SshSession;
let remote: string;
const local: string[] = [];

beforeAll(async () => {
  const sshd = startSshd();
  session = await connectSsh(sshOptions(sshd));
  remote = `${sshd.home}/deploy-bundle-${process.pid}-${Date.now()}`;
  // The MONAI Label app folder belongs to the cluster user; the server (here in-process, on the same host) reads it.
  await session.exec(sh`mkdir -p ${`${remote}/app/model`}`);
}, 120_000);

afterAll(async () => {
  if (session) {
    await session.exec(sh`rm -rf -- ${remote}`);
    await session.close();
  }
  for (const dir of local) await rm(dir, { recursive: true, force: true });
});

/** A trained bundle on the cluster: the fixture's files and weights the testkit's learnable model reads. */
async function trainedBundle(name: string, window: { low: number; high: number }): Promise<string> {
  const staging = await mkdtemp(join(tmpdir(), 'medaas-deploy-stage-'));
  local.push(staging);
  const dir = `${remote}/runs/${name}`;
  const files = await readBundleFiles(BUNDLE);
  for (const [path, content] of Object.entries(files)) {
    const file = join(staging, path.replaceAll('/', '__'));
    await writeFile(file, content);
    await session.upload(file, `${dir}/${path}`);
  }
  const weights = join(staging, 'model.pt');
  await writeFile(weights, serializeWindowModel({ ...window, opening: 0, fillHoles: true }));
  await session.upload(weights, `${dir}/models/model.pt`);
  await session.exec(sh`mkdir -p ${`${dir}/eval`} && echo metrics > ${`${dir}/eval/metrics.csv`}`);
  return dir;
}

async function segment(url: string, image: Uint8Array): Promise<Uint8Array> {
  await using client = createMonaiLabelClient({ baseUrl: url });
  const result = await client.infer('spleen_ct_segmentation', image);
  if (result.kind !== 'mask') throw new Error(`expected a mask, got ${result.kind}`);
  const mask = await readNifti(result.mask);
  return Uint8Array.from(mask.data as ArrayLike<number>, (v) => (Number(v) > 0 ? 1 : 0));
}

describe('deployModel of a bundle into a MONAI Label app on the cluster', () => {
  const { volume, truth } = spherePhantom();

  it('places a new bundle (restart needed), then swaps new weights under the running server, which uses them next', async () => {
    const image = await writeNifti(volume, { gzip: true });
    const first = await trainedBundle('run-1', { low: 500, high: 5000 });
    const app = `${remote}/app`;
    let deployedFirst = '';
    {
      await using server = await startTestServer({ protocol: 'monai-label', app });
      await using client = createMonaiLabelClient({ baseUrl: server.url });
      const deployed: DeployedBundle = await deployModel(session, 'spleen_ct_segmentation', {
        bundleDir: first,
        appDir: app,
        server: client,
      });
      expect(deployed).toMatchObject({
        dir: `${app}/model/spleen_ct_segmentation`,
        replaced: false,
        serving: false,
        restartRequired: true,
      });
      expect(deployed.sha256).toMatch(/^[0-9a-f]{64}$/);
      deployedFirst = deployed.sha256;
      const listing = (await session.exec(sh`cd ${deployed.dir} && find . -type f | sort`)).stdout.trim().split('\n');
      expect(listing).toContain('./configs/metadata.json');
      expect(listing).toContain('./models/model.pt');
      expect(listing.some((f) => f.startsWith('./eval/'))).toBe(false);
      // Nothing left behind next to it.
      expect((await session.exec(sh`ls -A ${`${app}/model`}`)).stdout.trim()).toBe('spleen_ct_segmentation');
    }
    // Restarted, the server loads the bundle and segments with its weights.
    await using server = await startTestServer({ protocol: 'monai-label', app });
    await using client = createMonaiLabelClient({ baseUrl: server.url });
    expect((await client.info()).models['spleen_ct_segmentation']?.labels.map((l) => l.name)).toEqual(['spleen']);
    expect(labelDice(await segment(server.url, image), truth, { label: 1 })).toBeGreaterThan(0.95);
    // A second training run's weights, deployed while it runs: swapped in place, served at once.
    const second = await trainedBundle('run-2', { low: 4000, high: 5000 });
    const again = await deployModel(session, 'spleen_ct_segmentation', { bundleDir: second, appDir: app, server: client });
    expect(again).toMatchObject({ replaced: true, serving: true, restartRequired: false });
    expect(again.sha256).not.toBe(deployedFirst);
    expect((await segment(server.url, image)).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('refuses a folder that is no bundle, one without weights, and hostile names, leaving nothing behind', async () => {
    const app = `${remote}/app-refusals`;
    await session.exec(
      sh`mkdir -p ${`${remote}/not-a-bundle/configs`} ${`${remote}/no-weights/configs`} && echo '{}' > ${`${remote}/no-weights/configs/metadata.json`}`,
    );
    const notBundle = await deployModel(session, 'x', { bundleDir: `${remote}/not-a-bundle`, appDir: app }).catch((e: unknown) => e);
    expect(isMedaasError(notBundle, 'TRAINING_DEPLOY_FAILED') && /not a MONAI bundle/.test((notBundle as Error).message)).toBe(true);
    const noWeights = await deployModel(session, 'x', { bundleDir: `${remote}/no-weights`, appDir: app }).catch((e: unknown) => e);
    expect(isMedaasError(noWeights, 'TRAINING_DEPLOY_FAILED') && /no models\/model\.pt/.test((noWeights as Error).message)).toBe(true);
    for (const name of ['../escape', 'a b', '$(id)', '', '.hidden']) {
      await expect(deployModel(session, name, { bundleDir: `${remote}/no-weights`, appDir: app })).rejects.toSatisfy((e: unknown) =>
        isMedaasError(e, 'TRAINING_INVALID_OPTIONS'),
      );
    }
    await expect(deployModel(session, 'ok', { bundleDir: 'relative', appDir: app })).rejects.toSatisfy((e: unknown) =>
      isMedaasError(e, 'TRAINING_INVALID_OPTIONS'),
    );
    expect((await session.exec(sh`ls -A ${`${app}/model`} 2>/dev/null || true`)).stdout.trim()).toBe('');
  });
});
