import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectSsh, type SshSession } from '@medaas/cluster-ssh';
import { downloadPretrained, zooChecksum } from '@medaas/training';
import { sshOptions, startSshd, type SshdInfo } from '../../cluster-ssh/test/helpers/services.js';
import { installStandIns, type StandIns } from './helpers/pretrained-standins.js';

let setup: SshSession;
let standIns: StandIns;
let sshd: SshdInfo;

beforeAll(async () => {
  sshd = startSshd();
  setup = await connectSsh(sshOptions(sshd));
  standIns = await installStandIns(setup, sshd.home);
}, 120_000);

afterAll(async () => {
  await standIns?.remove();
  await setup?.close();
});

it('the README pretrained example: an NGC MMAR and a zoo bundle downloaded on the cluster', async () => {
  const clusterLogin = sshOptions(sshd);
  const [home, ngc, python] = [standIns.root, `${standIns.bin}/ngc`, `${standIns.bin}/python`];
  const modelInfo = { 'spleen_ct_segmentation_v0.5.4': { version: '0.5.4', hash_val: standIns.zipSha256, hash_type: 'sha256' } };
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  const previousKey = process.env['NGC_API_KEY'];
  process.env['NGC_API_KEY'] = 'nvapi-readme-example';
  try {
    // --- README pretrained ---
    await using session = await connectSsh(clusterLogin); // { host, username, auth, hostKey }
    const model = await downloadPretrained(session, {
      catalog: 'ngc',
      name: 'nvidia/med/clara_pt_spleen_ct_segmentation',
      version: '1',
      destDir: `${home}/pretrained`,
      tool: ngc, // default 'ngc' on the login node's PATH
      ngcApiKey: process.env['NGC_API_KEY'], // only when the cluster has no NGC_API_KEY or ~/.ngc/config
      onProgress: ({ phase, loaded, total }) => log(`${phase}: ${loaded} of ${total ?? '?'} bytes`),
    });
    log(`${model.kind} ${model.downloaded ? 'downloaded to' : 'already in'} ${model.dir}`);
    const environment = JSON.parse(model.files['config/environment.json'] as string);

    const bundle = await downloadPretrained(session, {
      catalog: 'monai-zoo',
      name: 'spleen_ct_segmentation',
      version: '0.5.4',
      destDir: `${home}/bundles`,
      tool: python, // default 'python'; it needs monai[fire]
      checksum: zooChecksum(modelInfo, 'spleen_ct_segmentation', '0.5.4'), // the zoo's model_info.json
    });
    // --- end ---

    expect(environment).toMatchObject({ MMAR_CKPT: 'models/model.pt' });
    expect(lines.at(-1)).toBe(`mmar downloaded to ${home}/pretrained/clara_pt_spleen_ct_segmentation_v1`);
    expect(lines.some((line) => /^download: \d+ of \d+ bytes$/.test(line))).toBe(true);
    expect(bundle).toMatchObject({
      kind: 'bundle',
      dir: `${home}/bundles/spleen_ct_segmentation_v0.5.4`,
      verified: [{ algorithm: 'sha256', value: standIns.zipSha256 }],
    });
  } finally {
    if (previousKey === undefined) delete process.env['NGC_API_KEY'];
    else process.env['NGC_API_KEY'] = previousKey;
  }
});
