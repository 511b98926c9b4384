// Loopback benchmark of @medaas/cluster-ssh against OpenSSH's own tools, side by side in one run:
//   1. SFTP upload of a 300 MB file: session.upload (verified, atomic) vs `sftp` and `scp`
//   2. HTTP throughput through a tunnel: session.forward vs `ssh -L`
//   3. Submit to usable URL (startAiaaServerJob) vs Slurm's own submit-to-RUNNING
// Run after `npm run build`: node packages/cluster-ssh/bench/cluster.bench.mjs
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectSsh, createScheduler, startAiaaServerJob } from '@medaas/cluster-ssh';

const services = fileURLToPath(new URL('../../../scripts/services/', import.meta.url));
const start = (script, args) =>
  JSON.parse(
    execFileSync('bash', [services + script, ...args], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );
const ssh = start('sshd.sh', ['start']);
start('slurm.sh', ['start']);

const dir = mkdtempSync(join(tmpdir(), 'medaas-bench-'));
const knownHosts = join(dir, 'known_hosts');
writeFileSync(knownHosts, `[127.0.0.1]:${ssh.port} ${ssh.hostPublicKey}\n`);
const sshArgs = ['-i', ssh.keyPath, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes'];
const SIZE = 300 * 1024 * 1024;
const file = join(dir, 'volume.bin');
const fd = openSync(file, 'w');
for (let i = 0; i < SIZE / (16 << 20); i += 1) writeSync(fd, randomBytes(16 << 20));
closeSync(fd);
const session = await connectSsh({
  host: '127.0.0.1',
  port: ssh.port,
  username: ssh.user,
  auth: { type: 'key', privateKeyFile: ssh.keyPath },
  hostKey: { knownHostsFile: knownHosts },
});
const seconds = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const best = async (runs, fn) =>
  Math.min(
    ...(await (async () => {
      const out = [];
      for (let i = 0; i < runs; i += 1) out.push(await seconds(fn));
      return out;
    })()),
  );
const row = (label, value, unit, base) =>
  console.log(
    `${label.padEnd(44)} ${value.toFixed(1).padStart(8)} ${unit}${base ? `   ${((value / base) * 100).toFixed(0)}% of baseline` : ''}`,
  );

try {
  // 1. Uploads
  const remoteDir = `medaas-bench-${process.pid}`;
  await session.exec(['mkdir', '-p', remoteDir], { check: true });
  const mb = SIZE / 1048576;
  const ours = await best(2, () => session.upload(file, `${remoteDir}/ours.bin`));
  const scp = await best(2, async () =>
    execFileSync('scp', ['-q', '-P', String(ssh.port), ...sshArgs, file, `${ssh.user}@127.0.0.1:${remoteDir}/scp.bin`]),
  );
  const batch = join(dir, 'batch');
  writeFileSync(batch, `put ${file} ${remoteDir}/sftp.bin\n`);
  const sftp = await best(2, async () =>
    execFileSync('sftp', ['-q', '-P', String(ssh.port), ...sshArgs, '-b', batch, `${ssh.user}@127.0.0.1`], { stdio: 'ignore' }),
  );
  console.log(`\nSFTP upload, ${mb} MB file, loopback (best of 2)`);
  row('OpenSSH sftp (baseline)', mb / sftp, 'MB/s');
  row('OpenSSH scp', mb / scp, 'MB/s');
  row('session.upload (verified: server SHA-256, fsync, rename)', mb / ours, 'MB/s', Math.max(mb / sftp, mb / scp));
  await session.exec(['rm', '-rf', '--', remoteDir]);

  // 2. Tunnel throughput
  const BODY = randomBytes(64 << 20);
  const server = createServer((_req, res) => res.end(BODY));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const target = server.address().port;
  const download = (port) =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => (n === BODY.length ? resolve() : reject(new Error(`short body ${n}`))));
      })
        .on('error', reject)
        .end();
    });
  const parallel = (port) => Promise.all(Array.from({ length: 4 }, () => download(port)));
  const tunnel = await session.forward({ remoteHost: '127.0.0.1', remotePort: target });
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const lport = probe.address().port;
  await new Promise((r) => probe.close(r));
  const child = spawn(
    'ssh',
    ['-N', '-p', String(ssh.port), ...sshArgs, '-L', `127.0.0.1:${lport}:127.0.0.1:${target}`, `${ssh.user}@127.0.0.1`],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i += 1) {
    const ok = await new Promise((r) => {
      const s = connect(lport, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const volume = (4 * BODY.length) / 1048576;
  const viaSsh = await best(3, () => parallel(lport));
  const viaOurs = await best(3, () => parallel(tunnel.localPort));
  child.kill();
  await tunnel.close();
  server.close();
  console.log(`\nHTTP through a tunnel, 4 parallel downloads of 64 MB (best of 3)`);
  row('ssh -L (baseline)', volume / viaSsh, 'MB/s');
  row('session.forward', volume / viaOurs, 'MB/s', volume / viaSsh);

  // 3. Submit to URL
  const slurm = createScheduler('slurm', session);
  const serverCmd = ['node', '-e', "require('http').createServer((q, r) => r.end('{}')).listen(+process.env.MEDAAS_PORT, '127.0.0.1')"];
  console.log(`\nstartAiaaServerJob on single-node Slurm over SSH (3 runs)`);
  for (let i = 0; i < 3; i += 1) {
    const aiaa = await startAiaaServerJob(slurm, { job: { name: 'bench-aiaa' }, server: { command: serverCmd }, pollIntervalMs: 100 });
    const show = (await session.exec(['scontrol', 'show', 'job', aiaa.job.id])).stdout;
    const at = (key) => Date.parse(new RegExp(`${key}=(\\S+)`).exec(show)?.[1] ?? '');
    const slurmRunning = (at('StartTime') - at('SubmitTime')) / 1000;
    const t = aiaa.timings;
    console.log(
      `run ${i + 1}: submit->RUNNING seen ${t.runningMs} ms (Slurm's own StartTime-SubmitTime ${slurmRunning.toFixed(0)} s), port reported +${t.listeningMs - t.runningMs} ms, URL ready ${t.readyMs} ms = RUNNING + ${t.readyMs - t.runningMs} ms`,
    );
    await aiaa.close();
  }
} finally {
  await session.close();
  rmSync(dir, { recursive: true, force: true });
}
