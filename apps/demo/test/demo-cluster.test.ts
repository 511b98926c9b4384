import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
// The real test services (scripts/services), started or reused; one that cannot start fails the test loudly.
import { sshOptions, startSlurm, startSshd, type SlurmInfo, type SshdInfo } from '../../../packages/cluster-ssh/test/helpers/services.js';
// Stand-ins for the catalogs' tools (ngc, python -m monai.bundle download) on the cluster user's PATH.
import { installStandIns, type StandIns } from '../../../packages/training/test/helpers/pretrained-standins.js';
import { connectSsh, type SshSession } from '@medaas/cluster-ssh';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** The jobs' lines in the queue; none once they ended (or, after MinJobAge, when Slurm forgot them). */
function squeue(jobs: string): string {
  try {
    return execFileSync('squeue', ['-h', '-j', jobs, '-o', '%i %j %T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('Invalid job id')) return '';
    throw error;
  }
}

/** Runs the demo against the test sshd with these extra flags; resolves with its output, or fails with it. */
async function runDemo(
  name: string,
  remoteProject: string,
  flags: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ stdout: string; stderr: string }> {
  const knownHosts = join(work, `known_hosts_${name}`);
  await writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
  const args = [
    '--conditions=@medaas/source',
    '--import',
    'tsx',
    main,
    '--out',
    join(work, `out-${name}`),
    '--key',
    sshd.keyPath,
    '--known-hosts',
    knownHosts,
  ];
  // The one Slurm node is this machine, whose sshd is the test sshd: the server's node is logged in to there.
  args.push(
    '--ssh',
    `${sshd.user}@${sshd.host}:${sshd.port}`,
    '--partition',
    slurm.partition,
    '--remote-project',
    remoteProject,
    '--node-host',
    sshd.host,
    '--node-ssh-port',
    String(sshd.port),
    ...flags,
  );
  return run(process.execPath, args, { timeout: 280_000, env: { ...process.env, ...env } }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`demo failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );
}

/** Waits until these Slurm jobs have left the queue; they may show COMPLETING briefly, never RUNNING or PENDING. */
async function expectJobsGone(ids: readonly (string | undefined)[]): Promise<void> {
  expect(ids.every((id) => id !== undefined && /^\d+$/.test(id))).toBe(true);
  let queue = '';
  for (let i = 0; i < 100; i += 1) {
    queue = squeue(ids.join(','));
    if (queue === '') break;
    expect(queue).not.toMatch(/(RUNNING|PENDING)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(queue).toBe('');
}

let work: string;
let sshd: SshdInfo;
let slurm: SlurmInfo;
let session: SshSession;
let catalogs: StandIns;
beforeAll(async () => {
  sshd = startSshd();
  slurm = startSlurm();
  work = await mkdtemp(join(tmpdir(), 'medaas-demo-cluster-'));
  await chmod(work, 0o755);
  session = await connectSsh(sshOptions(sshd));
  catalogs = await installStandIns(session, sshd.home);
}, 300_000);
afterAll(async () => {
  await catalogs?.remove();
  await session?.close();
  await rm(work, { recursive: true, force: true });
});

it('npm run demo against a real sshd and Slurm on loopback: the server job, the tunnel, the uploads, the training job and the deployed model, through a jump host', async () => {
  const remoteProject = `${sshd.home}/medaas-demo-${Date.now()}`;
  const target = `${sshd.user}@${sshd.host}:${sshd.port}`;
  // The same sshd as a jump host: the session runs through a forwarded channel of a first one.
  const pretrained = ['--pretrained', 'nvidia/med/clara_pt_spleen_ct_segmentation:1', '--pretrained-tool', `${catalogs.bin}/ngc`];
  const { stdout, stderr } = await runDemo('slurm', remoteProject, ['--via', target, '--scheduler', 'slurm', ...pretrained], {
    NGC_API_KEY: 'nvapi-demo-test-key',
  });
  expect(stderr).toBe('');
  // The pretrained MMAR, fetched with ngc on the cluster, read back typed and prepared for fine-tuning on the project.
  expect(stdout).toContain('6b. fetching the pretrained nvidia/med/clara_pt_spleen_ct_segmentation:1 on the cluster (NGC)');
  expect(stdout).toContain(`downloaded: ${remoteProject}/pretrained/clara_pt_spleen_ct_segmentation_v1, a clara4 MMAR, labels spleen`);
  expect(stdout).toMatch(
    new RegExp(
      `fine-tuning copy with the project's labels: ${remoteProject}/pretrained/clara_pt_spleen_ct_segmentation_v1-finetune \\(0 errors\\); on a GPU node: bash ${remoteProject}/pretrained/clara_pt_spleen_ct_segmentation_v1-finetune/commands/finetune\\.sh`,
    ),
  );
  expect(stdout).not.toContain('nvapi-demo-test-key');
  const copy = execFileSync(
    'su',
    [
      sshd.user,
      '-s',
      '/bin/sh',
      '-c',
      `cd ${remoteProject}/pretrained/clara_pt_spleen_ct_segmentation_v1-finetune && cat config/config_aiaa.json config/environment.json && ls commands models`,
    ],
    { encoding: 'utf8' },
  );
  expect(copy).toMatch(/"labels": \[\s*"object"\s*\]/);
  expect(copy).toContain(`"DATA_ROOT": "${remoteProject}"`);
  expect(copy).toContain('finetune.sh');
  expect(copy).toContain('model.pt');
  expect(stdout).toContain('2. starting the AIAA server as a slurm batch job');
  expect(stdout).toMatch(
    /job \d+ serves http:\/\/127\.0\.0\.1:\d+ \(a socket only its owner can open, localhost:\/tmp\/medaas-server\.\w{8}\/server\.sock, over SSH to its node\)/,
  );
  expect(stdout).toContain('models: segmentation_threshold, annotation_dextr3d, deepgrow_3d');
  expect(stdout).toContain(`and uploading it to ${remoteProject}`);
  expect(stdout).toMatch(/uploaded\s+\d+ files to the cluster/);
  // The loop closed on the cluster: a Slurm training job on the uploaded MMAR, its model deployed to the
  // server job through the tunnel, and the validated case segmented better.
  expect(stdout).toContain('7. closing the loop: training the MMAR on the data list as a slurm job');
  expect(stdout).toMatch(
    new RegExp(`job \\d+: 9 epochs; best model ${remoteProject}/mmar/models/model\\.json, deployed as segmentation_trained`),
  );
  const dice = /Dice against the validated mask: (\d\.\d{4}) with segmentation_threshold, (\d\.\d{4}) with segmentation_trained/.exec(
    stdout,
  );
  expect(dice).not.toBeNull();
  expect(Number(dice![2])).toBeGreaterThan(Number(dice![1]));
  // What the cluster received, as the cluster user sees it.
  const listing = execFileSync(
    'su',
    [
      sshd.user,
      '-s',
      '/bin/sh',
      '-c',
      `cd ${remoteProject} && ls imagesTr labelsTr mmar/config mmar/models && cat mmar/config/environment.json`,
    ],
    { encoding: 'utf8' },
  );
  expect(listing).toContain('case_dicom_002.nii.gz');
  // The earlier cases went up too: the training job there needs every file its data list names.
  for (let n = 1; n <= 9; n += 1) expect(listing).toContain(`case_00${n}.nii.gz`);
  expect(listing).toContain('model.json');
  expect(listing).toContain(`"DATA_ROOT": "${remoteProject}"`);
  // The demo's own jobs (other test files run Slurm jobs of the same names at the same time) left the queue
  // when it ended: the server job was cancelled, the training job finished. Slurm may show COMPLETING briefly.
  await expectJobsGone([/job (\d+) serves /.exec(stdout)?.[1], /job (\d+): 9 epochs;/.exec(stdout)?.[1]]);
  execFileSync('rm', ['-rf', remoteProject]);
}, 300_000);

it('npm run demo on PBS (qsub/qstat/qdel stand-ins over the real Slurm), with the scheduler commands off the PATH', async () => {
  const remoteProject = `${sshd.home}/medaas-demo-pbs-${Date.now()}`;
  // --scheduler-bin: as /opt/pbs/bin on sites whose non-login PATH lacks it.
  // --server-listen port: a server on a TCP port of its node, for servers that cannot listen on a socket.
  const { stdout, stderr } = await runDemo('pbs', remoteProject, [
    '--scheduler',
    'pbs',
    '--scheduler-bin',
    slurm.pbsBinDir,
    '--server-listen',
    'port',
  ]);
  expect(stderr).toBe('');
  expect(stdout).toContain('2. starting the AIAA server as a pbs batch job');
  const serverJob = /job (\d+)\.\S+ serves http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[1];
  expect(serverJob).toBeDefined();
  expect(stdout).toContain('7. closing the loop: training the MMAR on the data list as a pbs job');
  const dice = /Dice against the validated mask: (\d\.\d{4}) with segmentation_threshold, (\d\.\d{4}) with segmentation_trained/.exec(
    stdout,
  );
  expect(Number(dice![2])).toBeGreaterThan(Number(dice![1]));
  const trainJob = /job (\d+)\.\S+: 9 epochs;/.exec(stdout)?.[1];
  expect(trainJob).toBeDefined();
  await expectJobsGone([serverJob, trainJob]);
  execFileSync('rm', ['-rf', remoteProject]);
}, 300_000);

it('npm run demo -- --protocol monai-label on the real Slurm over SSH: the datastore in the cluster project, training inside the server', async () => {
  const remoteProject = `${sshd.home}/medaas-demo-ml-${Date.now()}`;
  const { stdout, stderr } = await runDemo('monai-label', remoteProject, [
    '--scheduler',
    'slurm',
    '--protocol',
    'monai-label',
    '--pretrained',
    'spleen_ct_segmentation:0.5.4',
    '--pretrained-tool',
    `${catalogs.bin}/python`,
  ]);
  expect(stderr).toBe('');
  // A MONAI zoo bundle, fetched with python -m monai.bundle download on the cluster, relabelled, loading its weights.
  expect(stdout).toContain('6b. fetching the pretrained spleen_ct_segmentation:0.5.4 on the cluster (MONAI model zoo)');
  expect(stdout).toContain(`downloaded: ${remoteProject}/pretrained/spleen_ct_segmentation_v0.5.4, a MONAI bundle 0.5.4, labels spleen`);
  expect(stdout).toMatch(
    /fine-tuning copy with the project's labels: \S+ \(0 errors\); on a GPU node: cd \S+ && python -m monai\.bundle run/,
  );
  const bundleCopy = execFileSync(
    'su',
    [
      sshd.user,
      '-s',
      '/bin/sh',
      '-c',
      `cd ${remoteProject}/pretrained/spleen_ct_segmentation_v0.5.4-finetune && cat configs/metadata.json configs/train.json`,
    ],
    { encoding: 'utf8' },
  );
  expect(bundleCopy).toMatch(/"1": "object"/);
  expect(bundleCopy).toContain('CheckpointLoader');
  expect(stdout).toContain('2. starting the MONAI Label server as a slurm batch job');
  expect(stdout).toMatch(
    /job \d+ serves http:\/\/127\.0\.0\.1:\d+ \(a socket only its owner can open, localhost:\/tmp\/medaas-server\.\w{8}\/server\.sock, over SSH to its node\)/,
  );
  expect(stdout).toContain("validated mask saved in the server's datastore as case_dicom_002 (final)");
  expect(stdout).toContain('training segmentation inside the MONAI Label server (/train/) on its datastore');
  const dice =
    /Dice against the validated mask: (\d\.\d{4}) with segmentation \(untrained\), (\d\.\d{4}) with segmentation \(trained\)/.exec(stdout);
  expect(Number(dice![2])).toBeGreaterThan(Number(dice![1]));
  // The datastore is the cluster project's folder, written by the server job as the cluster user.
  const listing = execFileSync(
    'su',
    [sshd.user, '-s', '/bin/sh', '-c', `cd ${remoteProject}/datastore && ls . labels/final && cat datastore_v2.json`],
    { encoding: 'utf8' },
  );
  expect(listing).toContain('case_dicom_002.nii.gz');
  expect(JSON.parse(listing.slice(listing.indexOf('{'))).objects['case_dicom_002'].labels.final.ext).toBe('.nii.gz');
  // The trained weights live in the server's app folder on the cluster.
  expect(
    execFileSync('su', [sshd.user, '-s', '/bin/sh', '-c', `ls ${remoteProject}/.medaas/monai-label-app/model`], { encoding: 'utf8' }),
  ).toContain('segmentation.json');
  await expectJobsGone([/job (\d+) serves /.exec(stdout)?.[1]]);
  execFileSync('rm', ['-rf', remoteProject]);
}, 300_000);
