import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./fixtures/memory-child.ts', import.meta.url));
const node = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', child, ...args], {
    env: { ...process.env, NODE_OPTIONS: '--conditions=@medaas/source' },
    maxBuffer: 1 << 20,
  });

// A memory bound, not a timing: peak resident memory is a property of the algorithm (how many copies
// of the volume exist at once), so it is stable on a busy machine.
it('reads a 1 GiB .nii.gz with one copy of the volume in memory, not two', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medaas-memory-'));
  try {
    const path = join(dir, 'big.nii.gz');
    await node(['make', path]);
    expect((await stat(path)).size).toBeLessThan(64 * 2 ** 20);
    const { stdout } = await node(['read', path]);
    const result = JSON.parse(stdout) as { decodedBytes: number; growthBytes: number; checked: number; expected: number };
    expect(result.decodedBytes).toBe(2 ** 30);
    expect(result.checked).toBe(result.expected);
    // One copy is 1.0x; two full copies would be 2.0x or more.
    expect(result.growthBytes / result.decodedBytes).toBeLessThan(1.25);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 300_000);
