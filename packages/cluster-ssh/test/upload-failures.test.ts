import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, sh, type SshSession } from '../src/index.js';
import { hostShell, sshOptions, startSshd, startTmpfs, stopTmpfs, type TmpfsInfo } from './helpers/services.js';

// A remote disk that fills up: a 2 MiB tmpfs owned by the test user, mounted by scripts/services/tmpfs.sh.
const DISK = 'upload-full';
let disk: TmpfsInfo;
let session: SshSession;
const local = mkdtempSync(join(tmpdir(), 'medaas-full-'));

beforeAll(async () => {
  disk = startTmpfs({ name: DISK, size: '2m' });
  session = await connectSsh(sshOptions(startSshd()));
});
afterAll(async () => {
  await session?.close();
  stopTmpfs(DISK);
  rmSync(local, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** Everything on the disk, hidden files included, as root sees it. */
const onDisk = (): string[] => hostShell(`cd ${disk.path} && find . -mindepth 1 | sort`).split('\n').filter(Boolean);
const empty = async (): Promise<void> => {
  await session.exec(sh`find ${disk.path} -mindepth 1 -delete`, { check: true });
};

describe('uploads that the server refuses', () => {
  it('a file larger than the free space: SSH_REMOTE_DISK_FULL naming the path, no temporary file left, then a file that fits succeeds', async () => {
    await empty();
    const big = join(local, 'ct.nii.gz');
    writeFileSync(big, randomBytes(3 * 1024 * 1024));
    const target = `${disk.path}/project/imagesTr/ct.nii.gz`;
    const error = await session.upload(big, target).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_REMOTE_DISK_FULL'), String(error)).toBe(true);
    const failure = error as Error & { details: Record<string, unknown>; cause?: unknown };
    expect(failure.message).toContain(target);
    expect(failure.message).toMatch(/no space left/i);
    expect(failure.details).toMatchObject({ remotePath: target, localPath: big, bytes: 3 * 1024 * 1024 });
    expect(failure.details['freeBytes']).toBeLessThan(3 * 1024 * 1024);
    expect(failure.cause).toBeInstanceOf(Error);
    // The folders stay (they were made for the upload); no partial file remains.
    expect(onDisk()).toEqual(['./project', './project/imagesTr']);

    const small = join(local, 'mask.nii.gz');
    const bytes = randomBytes(1024 * 1024);
    writeFileSync(small, bytes);
    const result = await session.upload(small, `${disk.path}/project/labelsTr/mask.nii.gz`);
    expect(result.bytes).toBe(bytes.length);
    expect(hostShell(`sha256sum ${disk.path}/project/labelsTr/mask.nii.gz`).slice(0, 64)).toBe(sha(bytes));
    expect(onDisk()).toEqual(['./project', './project/imagesTr', './project/labelsTr', './project/labelsTr/mask.nii.gz']);
  });

  it('a folder whose third file does not fit: the first two are complete, the third left no trace', async () => {
    await empty();
    const tree = join(local, 'dataset');
    mkdirSync(tree, { recursive: true });
    const sizes = { 'a.bin': 700 * 1024, 'b.bin': 700 * 1024, 'c.bin': 1500 * 1024 };
    const contents: Record<string, Buffer> = {};
    for (const [name, size] of Object.entries(sizes)) writeFileSync(join(tree, name), (contents[name] = randomBytes(size)));
    const error = await session.upload(tree, `${disk.path}/dataset`).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_REMOTE_DISK_FULL')).toBe(true);
    expect((error as Error).message).toContain(`${disk.path}/dataset/c.bin`);
    expect(onDisk()).toEqual(['./dataset', './dataset/a.bin', './dataset/b.bin']);
    for (const name of ['a.bin', 'b.bin'])
      expect(hostShell(`sha256sum ${disk.path}/dataset/${name}`).slice(0, 64)).toBe(sha(contents[name]!));
  });

  it('a refused write elsewhere (no permission): SSH_UPLOAD_FAILED naming the path and the cause, nothing left', async () => {
    const file = join(local, 'note.txt');
    writeFileSync(file, 'note');
    const error = await session.upload(file, '/etc/medaas-not-allowed/note.txt').catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_UPLOAD_FAILED'), String(error)).toBe(true);
    expect((error as Error).message).toContain('/etc/medaas-not-allowed');
    expect((error as Error).message).toMatch(/permission denied/i);

    const readOnly = `${disk.path}/read-only`;
    await empty();
    await session.exec(sh`mkdir -m 500 -- ${readOnly}`, { check: true });
    const refused = await session.upload(file, `${readOnly}/note.txt`).catch((e: unknown) => e);
    expect(isMedaasError(refused, 'SSH_UPLOAD_FAILED'), String(refused)).toBe(true);
    expect((refused as Error).message).toContain(`${readOnly}/note.txt`);
    expect((refused as Error & { details: Record<string, unknown> }).details).toMatchObject({ remotePath: `${readOnly}/note.txt` });
    expect(onDisk()).toEqual(['./read-only']);
    await session.exec(sh`chmod 700 -- ${readOnly}`, { check: true });
  });

  it('a file name near the 255-byte limit uploads (its temporary name is shortened to fit)', async () => {
    await empty();
    for (const name of [`${'n'.repeat(240)}.nii`, `${'日本'.repeat(40)}.nii`]) {
      const file = join(local, name);
      writeFileSync(file, 'long name');
      const result = await session.upload(file, `${disk.path}/${name}`);
      expect(result.files).toEqual([`${disk.path}/${name}`]);
    }
    expect(onDisk()).toEqual([`./${'n'.repeat(240)}.nii`, `./${'日本'.repeat(40)}.nii`].sort());
  });

  it('an upload aborted midway leaves no temporary file behind', async () => {
    await empty();
    const file = join(local, 'slow.bin');
    writeFileSync(file, randomBytes(1536 * 1024));
    const controller = new AbortController();
    const reason = new Error('closed the viewer');
    const aborted = await session
      .upload(file, `${disk.path}/slow.bin`, {
        chunkBytes: 16 * 1024,
        concurrency: 1,
        onProgress: ({ loaded }) => {
          if (loaded > 256 * 1024) controller.abort(reason);
        },
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect(aborted).toBe(reason);
    expect(onDisk()).toEqual([]);
  });
});
