import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readNiftiFile } from '@medaas/nifti-io/node';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

it('npm run demo writes, reads and summarises the sample volumes and exits 0', async () => {
  const out = await mkdtemp(join(tmpdir(), 'medaas-demo-'));
  try {
    // The demo's source, run through vitest's own loader so the test needs no build.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, MEDAAS_DEMO_OUT: out, NODE_OPTIONS: '--conditions=@medaas/source' },
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`demo failed: ${error.stderr ?? ''}${error.stdout ?? ''}`);
    });
    expect(stdout).toContain('160 x 160 x 80 int16');
    expect(stdout).toContain('0.800 x 0.800 x 2.000 mm');
    expect(stdout).toContain('LPS');
    expect(stdout).toContain('medaas demo: done');
    const mask = await readNiftiFile(join(out, 'phantom_ct_seg.nii.gz'));
    expect(mask.datatype).toBe('uint8');
    expect(mask.intent?.code).toBe(1002);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
