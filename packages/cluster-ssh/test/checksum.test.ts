import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMedaasError } from '@medaas/core';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFileSegments } from '../src/file-digest.js';
import { parseSegmentDigests, segmentBytes, segmentChecksumCommand, segmentCount, type RemoteChecksum } from '../src/remote-checksum.js';

const dir = mkdtempSync(join(tmpdir(), 'medaas-checksum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MIB = 1024 * 1024;
const openssl: RemoteChecksum = { tool: 'openssl', algorithm: 'sha256', jobs: 3 };

describe('segment checksums', () => {
  it('cuts whole-MiB segments, at most one per job, covering the file (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 8 }), (size, jobs) => {
        const segment = segmentBytes(size, jobs);
        expect(segment % MIB).toBe(0);
        const count = segmentCount(size, segment);
        expect(count).toBeLessThanOrEqual(jobs);
        expect(count * segment).toBeGreaterThanOrEqual(size);
      }),
    );
  });

  it('the local worker and the server command (run here by sh, dd and openssl) agree with sha256sum', async () => {
    const size = 5 * MIB + 12345;
    const file = join(dir, 'data.bin');
    const bytes = randomBytes(size);
    writeFileSync(file, bytes);
    const segment = segmentBytes(size, openssl.jobs);
    const local = await digestFileSegments(file, 'sha256', size, segment, new AbortController().signal);
    // The reference: sha256sum of each byte range, cut by head/tail rather than by dd.
    const reference = Array.from({ length: segmentCount(size, segment) }, (_, i) =>
      execFileSync('sh', ['-c', `tail -c +${i * segment + 1} "$0" | head -c ${segment} | sha256sum`, file], { encoding: 'utf8' }).slice(
        0,
        64,
      ),
    );
    expect(local).toEqual(reference);
    const [command, ...args] = segmentChecksumCommand(file, openssl, size, segment) as string[];
    const stdout = execFileSync(command!, args, { encoding: 'utf8' });
    expect(parseSegmentDigests({ exitCode: 0, stdout, stderr: '', truncated: false }, openssl, reference.length, file)).toEqual(reference);
    // An empty file is one empty segment on both sides.
    writeFileSync(join(dir, 'empty.bin'), '');
    expect(await digestFileSegments(join(dir, 'empty.bin'), 'sha256', 0, MIB, new AbortController().signal)).toEqual([
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });

  it('refuses output with a missing or malformed segment digest, whatever else it holds (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 90 }), { maxLength: 5 }), (lines) => {
        const stdout = [`0 ${'a'.repeat(64)}`, ...lines.filter((l) => !/^\s*1 /.test(l))].join('\n');
        let error: unknown;
        try {
          parseSegmentDigests({ exitCode: 0, stdout, stderr: 'openssl: oops', truncated: false }, openssl, 2, '/x');
        } catch (e) {
          error = e;
        }
        expect(isMedaasError(error, 'SSH_UPLOAD_VERIFY_FAILED')).toBe(true);
      }),
    );
  });

  it('the local worker reports a file that shrank instead of hashing less', async () => {
    const file = join(dir, 'short.bin');
    writeFileSync(file, randomBytes(1000));
    const error: unknown = await digestFileSegments(file, 'sha256', 5000, MIB, new AbortController().signal).catch((e: unknown) => e);
    expect(isMedaasError(error, 'SSH_UPLOAD_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/short\.bin: .*changed during the upload/);
  });

  it('a file that cannot be read is a typed error naming it', async () => {
    const error: unknown = await digestFileSegments(join(dir, 'absent.bin'), 'sha256', 10, MIB, new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(isMedaasError(error, 'SSH_UPLOAD_FAILED')).toBe(true);
    expect((error as Error).message).toContain('absent.bin');
  });
});
