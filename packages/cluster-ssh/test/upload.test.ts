import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError, type Progress } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, sh, type SshSession } from '../src/index.js';
import { hostShell, sshOptions, startSshd, stopSshd, type SshdInfo } from './helpers/services.js';

// Its own sshd instance: the fault test kills it, and other test files must not notice.
const NAME = 'upload';
const PORT = 2224;
let info: SshdInfo;
let session: SshSession;
const local = mkdtempSync(join(tmpdir(), 'medaas-up-'));
const remoteBase = `medaas-upload-test-${process.pid}`;

beforeAll(async () => {
  info = startSshd({ name: NAME, port: PORT });
  session = await connectSsh(sshOptions(info));
});
afterAll(async () => {
  await session.exec(['rm', '-rf', '--', remoteBase]).catch(() => undefined);
  await session?.close();
  rmSync(local, { recursive: true, force: true });
  hostShell(`rm -rf /tmp/medaas-outside-${process.pid}`);
  startSshd({ name: NAME, port: PORT });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const remoteSha = async (path: string): Promise<string> =>
  (await session.exec(sh`sha256sum -- ${path}`, { check: true })).stdout.slice(0, 64);
const remoteList = async (dir: string): Promise<string[]> =>
  (await session.exec(sh`cd -- ${dir} && find . -mindepth 1 -print0 | sort -z`, { check: true })).stdout.split('\0').filter(Boolean);

describe('SFTP uploads', () => {
  it('uploads a file with progress, verified, leaving no temporary file', async () => {
    const bytes = randomBytes(12 * 1024 * 1024 + 123);
    const file = join(local, 'ct.nii.gz');
    writeFileSync(file, bytes);
    const reports: Progress[] = [];
    const result = await session.upload(file, `${remoteBase}/single/ct.nii.gz`, { onProgress: (p) => reports.push(p) });
    expect(result.remotePath).toBe(`${info.home}/${remoteBase}/single/ct.nii.gz`);
    expect(result.bytes).toBe(bytes.length);
    expect(result.checksum).toEqual({ tool: 'openssl', algorithm: 'sha256' });
    expect(await remoteSha(result.remotePath)).toBe(sha(bytes));
    expect(reports.at(-1)).toEqual({ phase: 'upload', loaded: bytes.length, total: bytes.length });
    expect(reports.map((r) => r.loaded)).toEqual([...reports.map((r) => r.loaded)].sort((a, b) => a - b));
    expect(await remoteList(`${remoteBase}/single`)).toEqual(['./ct.nii.gz']);
    // A second upload replaces the file atomically.
    writeFileSync(file, 'smaller');
    await session.upload(file, `${remoteBase}/single/ct.nii.gz`);
    expect((await session.exec(['cat', `${remoteBase}/single/ct.nii.gz`])).stdout).toBe('smaller');
    const refused = await session.upload(file, `${remoteBase}/single/ct.nii.gz`, { overwrite: false }).catch((e: unknown) => e);
    expect(isMedaasError(refused, 'SSH_UPLOAD_FAILED')).toBe(true);
  });

  it('uploads a folder tree with hostile file names over a compressed connection', async () => {
    const root = join(local, 'dataset');
    const names = ['imagesTr/case 1 $(touch pwned).nii.gz', "labelsTr/it's;rm -rf ~.nii.gz", 'labelsTr/deep/er/`id`.json', 'dataset.json'];
    const contents = new Map<string, Buffer>();
    for (const name of names) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      const body = randomBytes(5000 + name.length);
      contents.set(name, body);
      writeFileSync(join(root, name), body);
    }
    await using compressed = await connectSsh(sshOptions(info, { compress: true }));
    const result = await compressed.upload(root, `${remoteBase}/dataset`);
    expect(result.files).toHaveLength(names.length);
    const listed = await remoteList(`${remoteBase}/dataset`);
    for (const name of names) {
      expect(listed).toContain(`./${name}`);
      expect(await remoteSha(`${remoteBase}/dataset/${name}`)).toBe(sha(contents.get(name) ?? Buffer.alloc(0)));
    }
    expect(listed.some((entry) => entry.includes('medaas-part'))).toBe(false);
    expect(hostShell(`ls ${info.home}`)).not.toContain('pwned');
  });

  it('never writes outside the target folder: .., remote symlinks and local symlinks are refused', async () => {
    const file = join(local, 'mask.nii.gz');
    writeFileSync(file, 'mask');
    const dotdot = await session.upload(file, `${remoteBase}/a/../../escape.nii.gz`).catch((e: unknown) => e);
    expect(isMedaasError(dotdot, 'SSH_PATH_ESCAPE')).toBe(true);

    const outside = `/tmp/medaas-outside-${process.pid}`;
    await session.exec(sh`mkdir -p -- ${outside} ${remoteBase}/trap && ln -sfn -- ${outside} ${remoteBase}/trap/sub`, { check: true });
    const tree = join(local, 'trap');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'x.nii.gz'), 'x');
    const viaLink = await session.upload(tree, `${remoteBase}/trap`).catch((e: unknown) => e);
    expect(isMedaasError(viaLink, 'SSH_PATH_ESCAPE')).toBe(true);
    expect(hostShell(`ls -A ${outside}`)).toBe('');

    const leaky = join(local, 'leaky');
    mkdirSync(leaky, { recursive: true });
    symlinkSync('/etc/passwd', join(leaky, 'passwd'));
    const localLink = await session.upload(leaky, `${remoteBase}/leaky`).catch((e: unknown) => e);
    expect(isMedaasError(localLink, 'SSH_PATH_ESCAPE')).toBe(true);
  });

  it('survives sshd being killed mid-upload: typed error, no file under its final name, then resumes and completes', async () => {
    const bytes = randomBytes(160 * 1024 * 1024);
    const file = join(local, 'big.nii');
    writeFileSync(file, bytes);
    const target = `${remoteBase}/big/big.nii`;
    let killed = false;
    const failed = await session
      .upload(file, target, {
        retries: 0,
        onProgress: ({ loaded }) => {
          if (!killed && loaded > bytes.length / 4) {
            killed = true;
            stopSshd(NAME, { sessions: true });
          }
        },
      })
      .catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(failed).toMatchObject({ code: 'SSH_CONNECTION_LOST' });
    expect(session.connected).toBe(false);
    const leftovers = readdirSync(join(info.home, remoteBase, 'big'));
    expect(leftovers).not.toContain('big.nii');
    expect(leftovers.filter((name) => name.endsWith('.medaas-part'))).toHaveLength(1);

    startSshd({ name: NAME, port: PORT });
    const resumed = await session.upload(file, target);
    expect(resumed.reconnects).toBe(1);
    expect(resumed.resumedBytes).toBeGreaterThan(0);
    expect(resumed.resumedBytes).toBeLessThan(bytes.length);
    expect(sha(readFileSync(join(info.home, target)))).toBe(sha(bytes));
    expect(readdirSync(join(info.home, remoteBase, 'big'))).toEqual(['big.nii']);
    rmSync(file);
  });

  it('reconnects and resumes within the same call when sshd comes back after a drop', async () => {
    const bytes = randomBytes(64 * 1024 * 1024);
    const file = join(local, 'back.nii');
    writeFileSync(file, bytes);
    const target = `${remoteBase}/back/back.nii`;
    let dropped = false;
    const result = await session.upload(file, target, {
      retryDelayMs: 100,
      onProgress: ({ loaded }) => {
        if (!dropped && loaded > bytes.length / 4) {
          dropped = true;
          // Every connection dies, and sshd is back before the upload's first reconnect.
          stopSshd(NAME, { sessions: true });
          startSshd({ name: NAME, port: PORT });
        }
      },
    });
    expect(dropped).toBe(true);
    expect(result.reconnects).toBe(1);
    expect(result.resumedBytes).toBeGreaterThan(0);
    expect(result.resumedBytes).toBeLessThan(bytes.length);
    expect(sha(readFileSync(join(info.home, target)))).toBe(sha(bytes));
    expect(readdirSync(join(info.home, remoteBase, 'back'))).toEqual(['back.nii']);
    rmSync(file);
  });

  it('gives up with SSH_CONNECTION_LOST after its retries, waiting longer before each reconnect', async () => {
    const file = join(local, 'lost.nii');
    writeFileSync(file, randomBytes(1024));
    stopSshd(NAME, { sessions: true });
    try {
      const started = Date.now();
      const error = await session.upload(file, `${remoteBase}/lost/lost.nii`, { retries: 2, retryDelayMs: 150 }).catch((e: unknown) => e);
      expect(isMedaasError(error, 'SSH_CONNECTION_LOST')).toBe(true);
      // Two waits before the two reconnects: 150 ms, then 300 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      const refused = await session.upload(file, `${remoteBase}/lost/lost.nii`, { retries: -1 }).catch((e: unknown) => e);
      expect(isMedaasError(refused, 'SSH_INVALID_ARGUMENT')).toBe(true);
    } finally {
      startSshd({ name: NAME, port: PORT });
    }
    const done = await session.upload(file, `${remoteBase}/lost/lost.nii`);
    expect(done.reconnects).toBe(1);
  });
});

describe('upload verification', () => {
  it('detects a corrupt partial file left on the server by its checksum and sends the file again in full', async () => {
    const bytes = randomBytes(40 * 1024 * 1024 + 7);
    const file = join(local, 'volume.bin');
    writeFileSync(file, bytes);
    // The temporary name a resumed upload looks for; planted with 5 MiB of zeros instead of the file's start.
    const { size, mtimeMs } = statSync(file);
    const tag = createHash('sha256').update(`${file}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 16);
    const dir = `${remoteBase}/corrupt`;
    await session.exec(sh`mkdir -p -- ${dir} && head -c 5242880 /dev/zero > ${`${dir}/.volume.bin.${tag}.medaas-part`}`, { check: true });
    const result = await session.upload(file, `${dir}/volume.bin`);
    expect(result.resumedBytes).toBe(5 * 1024 * 1024);
    expect(await remoteSha(`${dir}/volume.bin`)).toBe(sha(bytes));
    expect(await remoteList(dir)).toEqual(['./volume.bin']);
  });

  // Servers without some tools: their own sshd instances, whose sessions' PATH lacks those commands.
  const servers = [
    { name: 'no-openssl', port: 2231, without: 'openssl', checksum: { tool: 'b2sum', algorithm: 'blake2b512' } },
    { name: 'coreutils-sha', port: 2232, without: 'openssl,b2sum', checksum: { tool: 'sha256sum', algorithm: 'sha256' } },
  ] as const;
  for (const server of servers) {
    it(`verifies with ${server.checksum.tool} on a server without ${server.without}`, async () => {
      const other = startSshd({ name: server.name, port: server.port, without: server.without });
      await using remote = await connectSsh(sshOptions(other));
      const bytes = randomBytes(9 * 1024 * 1024 + 5);
      const file = join(local, `${server.name}.bin`);
      writeFileSync(file, bytes);
      const result = await remote.upload(file, `${remoteBase}/${server.name}/data.bin`);
      expect(result.checksum).toEqual(server.checksum);
      expect(await remoteSha(`${remoteBase}/${server.name}/data.bin`)).toBe(sha(bytes));
    });
  }

  it('refuses to upload to a server with no checksum tool: typed error, nothing left behind', async () => {
    const other = startSshd({ name: 'no-checksum', port: 2233, without: 'openssl,b2sum,sha256sum,shasum' });
    await using remote = await connectSsh(sshOptions(other));
    const file = join(local, 'unverifiable.bin');
    writeFileSync(file, randomBytes(3 * 1024 * 1024));
    const error = await remote.upload(file, `${remoteBase}/unverifiable/data.bin`).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_UPLOAD_VERIFY_FAILED')).toBe(true);
    expect((error as Error).message).toContain('none of openssl, b2sum, sha256sum, shasum');
    expect(await remoteList(`${remoteBase}/unverifiable`)).toEqual([]);
  });
});
