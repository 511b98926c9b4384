import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { fingerprintOf, formatKnownHostsLine, verifyHostKey } from '../src/index.js';
import { knownHostsName, matchesHost, parseKnownHosts } from '../src/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'medaas-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keypair(name: string): { pub: string; blob: Uint8Array } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  const pub = readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
  return { pub, blob: new Uint8Array(Buffer.from(pub.split(' ')[1] ?? '', 'base64')) };
}

const a = keypair('a');
const b = keypair('b');

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isMedaasError(error) ? error.code : String(error);
  }
}

describe('known_hosts', () => {
  it('matches entries hashed by OpenSSH (ssh-keygen -H), plain and with ports', async () => {
    const file = join(dir, 'known_hosts');
    const [type, key] = a.pub.split(' ');
    writeFileSync(file, `login.hpc.example ${type} ${key}\n[gpu.hpc.example]:2222 ${type} ${key}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hpc.example');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(2);
    expect(entries.some((e) => matchesHost(e.hosts, knownHostsName('login.hpc.example', 22)))).toBe(true);
    expect(entries.some((e) => matchesHost(e.hosts, knownHostsName('gpu.hpc.example', 2222)))).toBe(true);
    expect(entries.some((e) => matchesHost(e.hosts, knownHostsName('gpu.hpc.example', 22)))).toBe(false);
    expect(await code(verifyHostKey({ knownHostsFile: file }, 'gpu.hpc.example', 2222, a.blob))).toBe('ok');
    expect(await code(verifyHostKey({ knownHostsFile: file }, 'gpu.hpc.example', 2222, b.blob))).toBe('SSH_HOST_KEY_MISMATCH');
    expect(await code(verifyHostKey({ knownHostsFile: file }, 'other.example', 22, a.blob))).toBe('SSH_HOST_KEY_UNKNOWN');
  });

  it('writes hashed lines that OpenSSH itself finds (ssh-keygen -F)', () => {
    const file = join(dir, 'ours');
    writeFileSync(file, `${formatKnownHostsLine('node7.example', 2200, a.blob)}\n`);
    const found = execFileSync('ssh-keygen', ['-F', '[node7.example]:2200', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(a.pub.split(' ')[1]);
  });

  it('computes the fingerprint ssh-keygen -l prints', () => {
    const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(a.blob)).toBe(printed);
  });

  it('honours wildcards, negations, @revoked and @cert-authority', async () => {
    const [type, key] = a.pub.split(' ');
    const text = `*.hpc.example,!bad.hpc.example ${type} ${key}\n@cert-authority *.hpc.example ${b.pub.split(' ').slice(0, 2).join(' ')}\n`;
    expect(await code(verifyHostKey({ knownHosts: text }, 'n1.hpc.example', 22, a.blob))).toBe('ok');
    expect(await code(verifyHostKey({ knownHosts: text }, 'bad.hpc.example', 22, a.blob))).toBe('SSH_HOST_KEY_UNKNOWN');
    // A CA key is not a host key: presenting it directly is a mismatch, not a match.
    expect(await code(verifyHostKey({ knownHosts: text }, 'n1.hpc.example', 22, b.blob))).toBe('SSH_HOST_KEY_MISMATCH');
    const revoked = `${text}@revoked * ${type} ${key}\n`;
    expect(await code(verifyHostKey({ knownHosts: revoked }, 'n1.hpc.example', 22, a.blob))).toBe('SSH_HOST_KEY_REVOKED');
  });

  it('pins by fingerprint and records an unknown host only under trust-on-first-use', async () => {
    expect(await code(verifyHostKey({ fingerprint: fingerprintOf(a.blob) }, 'h', 22, a.blob))).toBe('ok');
    expect(await code(verifyHostKey({ fingerprint: [fingerprintOf(b.blob)] }, 'h', 22, a.blob))).toBe('SSH_HOST_KEY_MISMATCH');
    const file = join(dir, 'tofu');
    expect(await code(verifyHostKey({ knownHostsFile: file }, 'h', 22, a.blob))).toBe('SSH_HOST_KEY_UNKNOWN');
    const first = await verifyHostKey({ knownHostsFile: file, trustOnFirstUse: true }, 'h', 22, a.blob);
    expect(first.trustedOnFirstUse).toBe(true);
    expect((await verifyHostKey({ knownHostsFile: file, trustOnFirstUse: true }, 'h', 22, a.blob)).trustedOnFirstUse).toBe(false);
    // A changed key is refused even under trust-on-first-use.
    expect(await code(verifyHostKey({ knownHostsFile: file, trustOnFirstUse: true }, 'h', 22, b.blob))).toBe('SSH_HOST_KEY_MISMATCH');
  });

  it('rejects malformed files with the line number, and never crashes on hostile text (property)', () => {
    try {
      parseKnownHosts('# ok\nhost ssh-ed25519 not*base64\n');
      expect.unreachable();
    } catch (error) {
      expect(isMedaasError(error, 'SSH_KNOWN_HOSTS_INVALID')).toBe(true);
      expect((error as Error).message).toContain('line 2');
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 30 }), (text, host) => {
        try {
          const entries = parseKnownHosts(text);
          for (const entry of entries) matchesHost(entry.hosts, host);
        } catch (error) {
          expect(isMedaasError(error, 'SSH_KNOWN_HOSTS_INVALID')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
