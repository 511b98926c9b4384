import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
let out: string;

beforeAll(async () => {
  // `npm run demo` runs the build: the SDK packages' dist and the demo's bundles (main, server, fit).
  // turbo's cache makes this quick when CI has just built everything.
  await run('npx', ['turbo', 'run', 'build', '--filter=@medaas/demo...', '--output-logs=errors-only'], { cwd: root, timeout: 600_000 });
  out = await mkdtemp(join(tmpdir(), 'medaas-demo-built-'));
}, 620_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

it('the built demo (what `npm run demo` runs) closes the loop with its bundled server and trainer', async () => {
  expect(existsSync(join(dist, 'server.js')) && existsSync(join(dist, 'fit.js'))).toBe(true);
  const { stdout, stderr } = await run(process.execPath, [join(dist, 'main.js'), '--out', out], { cwd: root, timeout: 240_000 });
  expect(stderr).toBe('');
  expect(stdout).toContain('7. closing the loop');
  expect(stdout).toMatch(/Dice against the validated mask: \d\.\d{4} with segmentation_threshold, \d\.\d{4} with segmentation_trained/);
  expect(stdout).toContain('medaas demo: done');
  // The jobs ran the prebuilt standalone files, not bundles made on the fly from the sources.
  expect(existsSync(join(out, '.medaas'))).toBe(false);
}, 300_000);

it('the built demo takes its study from a local PACS and stores the SEG back (`npm run demo -- --pacs`)', async () => {
  const { stdout } = await run(process.execPath, [join(dist, 'main.js'), '--out', join(out, 'pacs'), '--pacs'], {
    cwd: root,
    timeout: 300_000,
  });
  expect(stdout).toMatch(/de-identified 20 instances: \d+ attributes removed or replaced/);
  expect(stdout).toMatch(/now lists 2 series in study 2\.25\.\d+: (SEG|MR) 2\.25\.\d+, (SEG|MR) 2\.25\.\d+/);
  expect(existsSync(join(out, 'pacs', 'hospital', 'validated-mask.seg.dcm'))).toBe(true);
}, 320_000);

it('`npm run demo -- --help` prints the usage and exits 0, with no build logs', async () => {
  const { stdout, stderr } = await run('npm', ['run', 'demo', '--', '--help'], { cwd: root, timeout: 600_000 });
  expect(stdout).toContain('usage: npm run demo -- [options]');
  expect(stdout).toContain('--pacs [URL]');
  // npm's own two-line banner is all that precedes the usage: no turbo or tsup output.
  expect(stdout).not.toMatch(/tsup|turbo|Build success|Tasks:/);
  expect(stderr).toBe('');
}, 620_000);

it('a bad flag exits 2 with the usage; --ssh without --key asks for a key or an ssh-agent', async () => {
  const bad = await run(process.execPath, [join(dist, 'main.js'), '--no-such-flag', 'x'], { cwd: root }).catch(
    (e: { code: number; stderr: string }) => e,
  );
  expect((bad as { code: number }).code).toBe(2);
  expect((bad as { stderr: string }).stderr).toContain('unexpected argument --no-such-flag');
  const env = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  const noKey = await run(
    process.execPath,
    [join(dist, 'main.js'), '--ssh', 'ana@login.example', '--known-hosts', '/dev/null', '--remote-project', '/p'],
    { cwd: root, env },
  ).catch((e: { code: number; stderr: string }) => e);
  expect((noKey as { code: number }).code).toBe(2);
  expect((noKey as { stderr: string }).stderr).toContain('--ssh needs --key FILE, or a running ssh-agent (SSH_AUTH_SOCK)');
});
