import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMedaasError } from '@medaas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, sh, type KeyboardInteractiveChallenge, type SshSession } from '../src/index.js';
import { hostShell, sshOptions, startSshd, type SshdInfo } from './helpers/services.js';

let main: SshdInfo;
let kbd: SshdInfo;
const dir = mkdtempSync(join(tmpdir(), 'medaas-ssh-'));
const sessions: SshSession[] = [];
const open = async (...args: Parameters<typeof connectSsh>): Promise<SshSession> => {
  const session = await connectSsh(...args);
  sessions.push(session);
  return session;
};

beforeAll(() => {
  main = startSshd();
  kbd = startSshd({ name: 'kbd', port: 2223, kbd: true });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    return { code: isMedaasError(error) ? error.code : String(error), error };
  }
  return { code: 'resolved', error: undefined };
}

describe('connectSsh against a real OpenSSH server', () => {
  it('logs in with a key and runs commands whose hostile values stay data', async () => {
    const session = await open(sshOptions(main));
    expect(session.hostKey.fingerprint).toBe(main.hostFingerprint);
    const marker = `pwned-${process.pid}`;
    const hostile = `scan'; touch ${marker}; echo '$(touch ${marker})\`id\`*`;
    const made = await session.exec(['mkdir', '-p', '--', `hostile/${hostile}`], { check: true });
    expect(made.exitCode).toBe(0);
    const listed = await session.exec(sh`ls -1 -- hostile && rm -rf -- hostile`);
    expect(listed.stdout).toBe(`${hostile}\n`);
    expect(existsSync(join(main.home, marker))).toBe(false);
    const echoed = await session.exec(['printf', '%s', `${hostile}\n$HOME`]);
    expect(echoed.stdout).toBe(`${hostile}\n$HOME`);
  });

  it('returns a non-zero exit as a value, and throws SSH_COMMAND_FAILED only when asked to check', async () => {
    const session = await open(sshOptions(main));
    const result = await session.exec(sh`echo out; echo err >&2; exit 7`);
    expect(result).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
    const { code, error } = await failure(session.exec(['false'], { check: true }));
    expect(code).toBe('SSH_COMMAND_FAILED');
    expect((error as { details: Record<string, unknown> }).details['exitCode']).toBe(1);
    expect((await session.exec(['cat'], { stdin: 'through stdin' })).stdout).toBe('through stdin');
  });

  it('stops a remote command on timeout and rejects with the timeout reason', async () => {
    const session = await open(sshOptions(main));
    const { code } = await failure(session.exec(['sleep', '41.2345'], { timeoutMs: 500 }));
    expect(code).toBe('CORE_TIMEOUT');
    let alive = true;
    for (let i = 0; i < 50 && alive; i += 1) {
      alive = hostShell('ps -u medaas -o args= || true').includes('sleep 41.2345');
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(false);
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    expect((await failure(session.exec(['true'], { signal: controller.signal }))).error).toBe(reason);
    expect((await failure(connectSsh({ ...sshOptions(main), signal: controller.signal }))).error).toBe(reason);
  });

  it('decrypts a key with its passphrase and says so when the passphrase is wrong', async () => {
    const session = await open(sshOptions(main, { auth: { type: 'key', privateKeyFile: main.passKeyPath, passphrase: main.passphrase } }));
    expect((await session.exec(['whoami'])).stdout.trim()).toBe('medaas');
    const wrong = await failure(
      connectSsh(sshOptions(main, { auth: { type: 'key', privateKeyFile: main.passKeyPath, passphrase: 'nope' } })),
    );
    expect(wrong.code).toBe('SSH_AUTH_FAILED');
    expect((wrong.error as Error).message).toMatch(/passphrase/);
    expect(JSON.stringify((wrong.error as { toJSON(): unknown }).toJSON())).not.toContain('nope');
  });

  it('logs in with a password and through an ssh-agent; refuses a wrong password and an unknown key', async () => {
    const byPassword = await open(sshOptions(main, { auth: { type: 'password', password: main.password } }));
    expect((await byPassword.exec(['whoami'])).stdout.trim()).toBe('medaas');
    expect((await failure(connectSsh(sshOptions(main, { auth: { type: 'password', password: 'wrong' } })))).code).toBe('SSH_AUTH_FAILED');

    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
    expect((await failure(connectSsh(sshOptions(main, { auth: { type: 'key', privateKeyFile: join(dir, 'stranger') } })))).code).toBe(
      'SSH_AUTH_FAILED',
    );

    const socket = join(dir, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)?.[1]);
    try {
      expect(spawnSync('ssh-add', [main.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } }).status).toBe(0);
      const byAgent = await open(sshOptions(main, { auth: { type: 'agent', socket } }));
      expect((await byAgent.exec(['whoami'])).stdout.trim()).toBe('medaas');
    } finally {
      process.kill(agentPid);
    }
  });

  it('answers keyboard-interactive prompts after the key (two-factor) and refuses a wrong answer', async () => {
    const seen: KeyboardInteractiveChallenge[] = [];
    const session = await open(
      sshOptions(kbd, {
        auth: [
          { type: 'key', privateKeyFile: kbd.keyPath },
          { type: 'keyboard-interactive', respond: (challenge) => (seen.push(challenge), challenge.prompts.map(() => kbd.password)) },
        ],
      }),
    );
    expect((await session.exec(['whoami'])).stdout.trim()).toBe('medaas');
    expect(seen.flatMap((c) => c.prompts.map((p) => p.prompt)).join()).toMatch(/password/i);
    expect(seen[0]?.prompts[0]?.echo).toBe(false);
    const wrong = await failure(
      connectSsh(
        sshOptions(kbd, {
          auth: [
            { type: 'key', privateKeyFile: kbd.keyPath },
            { type: 'keyboard-interactive', respond: () => ['123456'] },
          ],
        }),
      ),
    );
    expect(wrong.code).toBe('SSH_AUTH_FAILED');
    const onlyKey = await failure(connectSsh(sshOptions(kbd)));
    expect(onlyKey.code).toBe('SSH_AUTH_FAILED');
  });

  it('refuses a wrong or unknown host key, and trusts on first use only when asked', async () => {
    const mismatch = await failure(
      connectSsh(sshOptions(main, { hostKey: { fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })),
    );
    expect(mismatch.code).toBe('SSH_HOST_KEY_MISMATCH');
    expect((mismatch.error as { details: Record<string, unknown> }).details['fingerprint']).toBe(main.hostFingerprint);

    const knownHostsFile = join(dir, 'known_hosts');
    expect((await failure(connectSsh(sshOptions(main, { hostKey: { knownHostsFile } })))).code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(existsSync(knownHostsFile)).toBe(false);
    const first = await open(sshOptions(main, { hostKey: { knownHostsFile, trustOnFirstUse: true } }));
    expect(first.hostKey.trustedOnFirstUse).toBe(true);
    // OpenSSH's own client accepts the line we recorded.
    const check = spawnSync('ssh', [
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-i',
      main.keyPath,
      '-p',
      String(main.port),
      `${main.user}@127.0.0.1`,
      'true',
    ]);
    expect(check.status).toBe(0);
    const again = await open(sshOptions(main, { hostKey: { knownHostsFile } }));
    expect(again.hostKey.trustedOnFirstUse).toBe(false);

    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'impostor')]);
    const impostor = readFileSync(join(dir, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${main.port} ${impostor}\n`);
    const changed = await failure(connectSsh(sshOptions(main, { hostKey: { knownHostsFile, trustOnFirstUse: true } })));
    expect(changed.code).toBe('SSH_HOST_KEY_MISMATCH');
  });

  it('reports an unreachable host as SSH_CONNECT_FAILED', async () => {
    const { code, error } = await failure(connectSsh(sshOptions(main, { port: 1 })));
    expect(code).toBe('SSH_CONNECT_FAILED');
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({ host: '127.0.0.1', port: 1 });
  });

  it('connects through a chain of jump hosts and depends on them', async () => {
    const chained = await open(sshOptions(main, { via: sshOptions(main, { via: sshOptions(main) }) }));
    expect((await chained.exec(['whoami'])).stdout.trim()).toBe('medaas');
    await chained.close();
    await chained.close();
    expect((await failure(chained.exec(['true']))).code).toBe('SSH_SESSION_CLOSED');

    const jump = await open(sshOptions(main));
    const behind = await open(
      sshOptions(kbd, {
        via: jump,
        auth: [
          { type: 'key', privateKeyFile: kbd.keyPath },
          { type: 'keyboard-interactive', respond: () => [kbd.password] },
        ],
      }),
    );
    expect((await behind.exec(['whoami'])).stdout.trim()).toBe('medaas');
    await jump.close();
    const lost = await failure(behind.exec(['true']));
    expect(['SSH_CONNECTION_LOST', 'SSH_CHANNEL_FAILED']).toContain(lost.code);
    expect(behind.connected).toBe(false);
  });
});
