// Shell and argv injection through the scheduler and upload APIs, and a full remote disk, against the real
// sshd and Slurm on loopback. A hostile value is refused with a typed error or reaches its destination
// literally; a canary file the injections try to create must never appear; a full disk is a typed error
// and leaves no file behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { connectSsh, createScheduler, sh } from '@medaas/cluster-ssh';
import { ROOT, Tally } from './lib.mjs';

const service = (script, args) => {
  const out = execFileSync('bash', [`${ROOT}scripts/services/${script}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return out === '' ? undefined : JSON.parse(out.split('\n').pop());
};

const HOSTILE = (canary) => [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `x; touch ${canary}`,
  `x && touch ${canary}`,
  `x | touch ${canary}`,
  `'; touch ${canary}; '`,
  `"; touch ${canary}; "`,
  `x\ntouch ${canary}`,
  `-n${canary}`,
  `--output=${canary}`,
  `x\u0000y`,
  `%j%u%x\\%`,
  `${'a'.repeat(5000)}`,
  `../../../../${canary}`,
];

export async function runCluster() {
  const tally = new Tally('shell and argv injection, full remote disk');
  const sshd = service('sshd.sh', ['start']);
  service('slurm.sh', ['start']);
  const session = await connectSsh({
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    auth: { type: 'key', privateKeyFile: sshd.keyPath },
    hostKey: { fingerprint: sshd.hostFingerprint },
  });
  const canary = `/tmp/medaas-stress-canary-${process.pid}`;
  const remote = `${sshd.home}/medaas-stress-${process.pid}`;
  const local = mkdtempSync(join(tmpdir(), 'medaas-stress-'));
  let leftovers = 0;
  try {
    const slurm = createScheduler('slurm', session);
    const attempt = async (label, run) => {
      try {
        await run();
        tally.add('typed', `${label}: accepted literally`);
      } catch (error) {
        tally.add(
          isMedaasError(error) ? 'typed' : 'untyped',
          `${label}: ${error?.code ?? error?.name} ${String(error?.message).slice(0, 120)}`,
        );
      }
    };
    const jobs = [];
    for (const value of HOSTILE(canary)) {
      await attempt('job name', async () => jobs.push(await slurm.submit({ name: value, script: 'true', walltimeSec: 60 })));
      await attempt('env value', async () =>
        jobs.push(
          await slurm.submit({
            name: 'stress-env',
            script: 'printf %s "$STRESS_VALUE" > /dev/null',
            env: { STRESS_VALUE: value },
            walltimeSec: 60,
          }),
        ),
      );
      await attempt('partition', async () =>
        jobs.push(await slurm.submit({ name: 'stress-partition', script: 'true', partition: value, walltimeSec: 60 })),
      );
      await attempt('output path', async () =>
        jobs.push(await slurm.submit({ name: 'stress-output', script: 'true', outputPath: `${remote}/out/${value}.out`, walltimeSec: 60 })),
      );
      await attempt('job id to cancel', () => slurm.cancel({ id: value, scheduler: 'slurm', name: 'x', outputPath: '/dev/null' }));
      await attempt('exec argv', () => session.exec(['printf', '%s', value]));
      const file = join(local, 'payload.txt');
      writeFileSync(file, 'stress');
      await attempt('upload path', () => session.upload(file, `${remote}/up/${value}`));
    }
    for (const job of jobs) await slurm.cancel(job).catch(() => undefined);
    // Give the accepted jobs their moment to run: the canary must not appear.
    await new Promise((r) => setTimeout(r, 6000));
    if (existsSync(canary)) tally.add('untyped', `an injection created ${canary}`);

    // A full remote disk.
    const disk = service('tmpfs.sh', ['start', '--name', `stress-${process.pid}`, '--size', '2m']);
    try {
      const big = join(local, 'big.bin');
      writeFileSync(big, Buffer.alloc(3 << 20, 1));
      await attempt('an upload into a full disk', async () => {
        await session.upload(big, `${disk.path}/big.bin`);
        throw new Error('the 3 MiB upload into a 2 MiB disk succeeded');
      });
      const small = join(local, 'small.bin');
      writeFileSync(small, Buffer.alloc(256 << 10, 2));
      await session.upload(small, `${disk.path}/small.bin`);
      const left = execFileSync('ls', ['-A', disk.path], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter((f) => f !== '' && f !== 'small.bin');
      leftovers += left.length;
      tally.fullDisk = { sizeBytes: disk.sizeBytes, leftBehind: left };
    } finally {
      service('tmpfs.sh', ['stop', '--name', `stress-${process.pid}`]);
    }
    const parts = (await session.exec(sh`find ${remote} -name '*.medaas-part' 2>/dev/null | wc -l`)).stdout.trim();
    leftovers += Number(parts || 0);
  } finally {
    await session.exec(sh`rm -rf -- ${remote}`).catch(() => undefined);
    await session.close();
    rmSync(local, { recursive: true, force: true });
    rmSync(canary, { force: true });
  }
  tally.leftovers = leftovers;
  return tally;
}
