import { expect, it } from 'vitest';
import { startTestServer, spherePhantom, dice } from '@medaas/aiaa-testkit';
import { createAiaaClient } from '@medaas/aiaa-client';
import { readNifti, writeNifti } from '@medaas/nifti-io';

// The quick start of packages/aiaa-testkit/README.md, as written, plus the check its comment promises.
it('runs the aiaa-testkit README quick start', async () => {
  let score: number;
  {
    await using server = await startTestServer(); // http://127.0.0.1:<free port>
    await using client = createAiaaClient({ baseUrl: server.url });
    const { volume, truth } = spherePhantom(); // a noisy sphere of known extent
    const { mask } = await client.deepgrow('deepgrow_3d', await writeNifti(volume), { foreground: [[30, 28, 20]] });
    score = dice((await readNifti(mask)).data, truth); // >= 0.95
  }
  expect(score).toBeGreaterThanOrEqual(0.95);
});
