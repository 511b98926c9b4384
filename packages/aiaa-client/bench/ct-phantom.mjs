// The CT-sized volume and the clicks both annotation benchmarks use: 512x512x300 int16 (150 MiB) with two
// spheres, written as a .nii file, and ten clicks around the bigger sphere's centre.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Ten clicks in the bigger sphere, as a user adds them. */
export const CLICKS = Array.from({ length: 10 }, (_, i) => [
  200 + ((i * 7) % 30) - 15,
  260 + ((i * 11) % 30) - 15,
  150 + ((i * 5) % 20) - 10,
]);

/** Writes the phantom to `dir/ct.nii`; returns its path and the volume. */
export async function writeCtPhantom(dir) {
  const { writeNifti } = await import('@medaas/nifti-io');
  const { spherePhantom } = await import('@medaas/aiaa-testkit');
  const file = join(dir, 'ct.nii');
  const { volume } = spherePhantom({
    dims: [512, 512, 300],
    noise: 30,
    spheres: [
      { center: [200, 260, 150], radius: 40, value: 1000 },
      { center: [340, 240, 120], radius: 25, value: 600 },
    ],
  });
  writeFileSync(file, await writeNifti(volume));
  return { file, volume };
}
