import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The real test services (scripts/services), started or reused; one that cannot start fails the test loudly.
import { startSlurm, startSshd, type SlurmInfo, type SshdInfo } from '../../cluster-ssh/test/helpers/services.js';
import { bundleTestkit } from '../../training/test/helpers/bundles.js';
import { ROOT, buildCli, medaas, startMedaas } from './helpers/run-medaas.js';

let work: string;
let sshd: SshdInfo;
let slurm: SlurmInfo;
let knownHosts: string;
let remote: string;
let login: string[];
/** The testkit's server and trainer bundled into a world-readable folder: jobs run as the SSH test user. */
let bins: { dir: string; server: string; fit: string };

/** The queue's lines for these jobs; empty once they have ended. */
function squeue(job: string): string {
  try {
    return execFileSync('squeue', ['-h', '-j', job, '-o', '%i %T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('Invalid job id')) return '';
    throw error;
  }
}

beforeAll(async () => {
  await buildCli();
  sshd = startSshd();
  slurm = startSlurm();
  work = await mkdtemp(join(tmpdir(), 'medaas-cli-cluster-'));
  knownHosts = join(work, 'known_hosts');
  await writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
  remote = `${sshd.home}/cli-${process.pid}`;
  bins = await bundleTestkit();
  login = ['--ssh', `${sshd.user}@${sshd.host}:${sshd.port}`, '--key', sshd.keyPath, '--known-hosts', knownHosts];
}, 620_000);
afterAll(async () => {
  if (bins) await rm(bins.dir, { recursive: true, force: true });
  execFileSync('rm', ['-rf', remote]);
  await rm(work, { recursive: true, force: true });
});

describe('medaas upload', () => {
  it('uploads a folder verified: the cluster holds the same bytes, owner-only', async () => {
    const folder = join(work, 'imagesTr');
    await mkdir(folder);
    for (let n = 1; n <= 3; n += 1) await writeNiftiFile(join(folder, `case_${n}.nii.gz`), spherePhantom({ seed: n }).volume);
    const result = await medaas(['upload', folder, `${remote}/imagesTr`, ...login, '--json']);
    expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout) as { files: string[]; bytes: number; checksum: { algorithm: string } };
    expect(report.files).toHaveLength(3);
    for (let n = 1; n <= 3; n += 1) {
      const sent = createHash('sha256')
        .update(await readFile(join(folder, `case_${n}.nii.gz`)))
        .digest('hex');
      const held = createHash('sha256')
        .update(await readFile(`${remote}/imagesTr/case_${n}.nii.gz`))
        .digest('hex');
      expect(held).toBe(sent);
    }
    expect(execFileSync('stat', ['-c', '%a %U', `${remote}/imagesTr/case_1.nii.gz`], { encoding: 'utf8' }).trim()).toBe(`600 ${sshd.user}`);
    expect(result.stderr).toMatch(/^upload imagesTr: upload 100 %$/m);
  }, 120_000);

  it('a host key that does not match known_hosts: refused in one line, exit 1, nothing uploaded', async () => {
    const wrong = join(work, 'known_hosts_wrong');
    await writeFile(
      wrong,
      `[${sshd.host}]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNvbWVvbmUgZWxzZXMga2V5IG5vdCB0aGUgaG9zdHM=\n`,
    );
    const file = join(work, 'note.txt');
    await writeFile(file, 'not for a stranger');
    const result = await medaas([
      'upload',
      file,
      `${remote}/note.txt`,
      '--ssh',
      `${sshd.user}@${sshd.host}:${sshd.port}`,
      '--key',
      sshd.keyPath,
      '--known-hosts',
      wrong,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^medaas: SSH_HOST_KEY_MISMATCH: /);
    expect(() => execFileSync('test', ['-e', `${remote}/note.txt`])).toThrow();
  });

  it('--ssh without --known-hosts is a usage error: host keys are always verified', async () => {
    const result = await medaas([
      'upload',
      knownHosts,
      `${remote}/x`,
      '--ssh',
      `${sshd.user}@${sshd.host}:${sshd.port}`,
      '--key',
      sshd.keyPath,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('medaas: CLI_USAGE: --ssh needs --known-hosts FILE: host keys are always verified\n');
  });
});

describe('a server and a training job on Slurm over SSH', () => {
  it('server start runs the server as a Slurm job behind a tunnel; annotate goes through it; Ctrl-C cancels the job', async () => {
    const command = JSON.stringify([process.execPath, bins.server, '--port', '{port}']);
    const server = startMedaas(['server', 'start', ...login, '--partition', slurm.partition, '--command', command, '--json']);
    const started = JSON.parse((await server.waitFor(/^(\{.*\})\n/m, 'stdout', 200_000))[1]!) as { url: string; job: { id: string } };
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(squeue(started.job.id)).toMatch(/RUNNING/);
    const image = join(work, 'sphere.nii.gz');
    await writeNiftiFile(image, spherePhantom().volume);
    const segmented = await medaas(['annotate', 'segment', image, '--url', started.url, '--out', join(work, 'mask.nii.gz')]);
    expect({ code: segmented.code, stderr: segmented.code ? segmented.stderr : '' }).toEqual({ code: 0, stderr: '' });
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(130);
    let queue = squeue(started.job.id);
    for (let i = 0; i < 100 && queue !== ''; i += 1) {
      expect(queue).not.toMatch(/RUNNING|PENDING/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      queue = squeue(started.job.id);
    }
    expect(queue).toBe('');
  }, 300_000);

  it('train runs an uploaded MMAR as a Slurm job and streams its epochs', async () => {
    // The project on the cluster: a dataset split by medaas, the MMAR pointed at it, both uploaded by medaas.
    const project = join(work, 'project');
    await mkdir(join(project, 'imagesTr'), { recursive: true });
    await mkdir(join(project, 'labelsTr'), { recursive: true });
    for (let n = 1; n <= 6; n += 1) {
      const { volume, truth } = spherePhantom({ seed: n });
      await writeNiftiFile(join(project, 'imagesTr', `phantom_${n}.nii.gz`), volume);
      await writeMaskFile(join(project, 'labelsTr', `phantom_${n}.nii.gz`), { ...volume, datatype: 'uint8', data: truth });
    }
    expect((await medaas(['dataset', 'split', project, '--out', join(project, 'dataset_0.json')])).code).toBe(0);
    const mmar = join(project, 'mmar');
    await cp(join(ROOT, 'apps', 'demo', 'mmar-template'), mmar, { recursive: true });
    const environment = JSON.parse(await readFile(join(mmar, 'config', 'environment.json'), 'utf8')) as Record<string, string>;
    await writeFile(
      join(mmar, 'config', 'environment.json'),
      JSON.stringify({ ...environment, DATA_ROOT: `${remote}/project`, DATASET_JSON: `${remote}/project/dataset_0.json` }),
    );
    expect((await medaas(['mmar', 'edit', mmar, '--epochs', '3'])).code).toBe(0);
    const uploaded = await medaas(['upload', project, `${remote}/project`, ...login]);
    expect({ code: uploaded.code, stderr: uploaded.code ? uploaded.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const fit = JSON.stringify([process.execPath, bins.fit, '--mmar', '{mmar}']);
    const trained = await medaas(
      ['train', `${remote}/project/mmar`, ...login, '--partition', slurm.partition, '--command', fit, '--json'],
      { timeoutMs: 280_000 },
    );
    expect({ code: trained.code, stderr: trained.code ? trained.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(trained.stdout) as { job: string; state: string; metrics: { epoch: number }[]; bestModel: string };
    expect(result.state).toBe('succeeded');
    expect(result.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(result.bestModel.startsWith(`${remote}/project/mmar/models/`)).toBe(true);
    expect(execFileSync('stat', ['-c', '%U', result.bestModel], { encoding: 'utf8' }).trim()).toBe(sshd.user);
    expect(trained.stderr).toMatch(
      new RegExp(`^submitted train job ${result.job} on ${sshd.user}@${sshd.host}:${sshd.port} \\(slurm\\)$`, 'm'),
    );
  }, 300_000);
});
