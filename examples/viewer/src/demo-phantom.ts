import { spherePhantom, type PhantomSphere } from '@medaas/aiaa-testkit';
import type { Mat4, Volume } from '@medaas/nifti-io';

const THETA = (12 * Math.PI) / 180;

/**
 * The demo image's voxel-to-world matrix: oblique (12° about z), anisotropic (1 x 0.8 x 1.5 mm) and
 * stored out of RAS order (i runs mostly posterior, j inferior, k right), so a display that reorients the
 * image to RAS numbers its voxels differently from the file: the case a click conversion must get right.
 */
export const DEMO_AFFINE: Mat4 = [
  [1.0 * Math.sin(THETA), 0, 1.5 * Math.cos(THETA), -40],
  [-1.0 * Math.cos(THETA), 0, 1.5 * Math.sin(THETA), 30],
  [0, -0.8, 0, 25],
  [0, 0, 0, 1],
];

/**
 * The demo image's structures, in voxel indices: `isolated` stands alone; `target` and `neighbour` touch,
 * five noise levels apart in intensity, so a click on one gives that one and a background click on the
 * other marks where it must not go. `truth` labels them 1, 2 and 3 in this order.
 */
export const DEMO_SPHERES = {
  isolated: { center: [52, 16, 30], radius: 7, value: 1000 },
  target: { center: [20, 40, 18], radius: 8, value: 1000 },
  neighbour: { center: [35, 40, 18], radius: 9, value: 920 },
} as const satisfies Record<string, PhantomSphere>;

/**
 * A noisy int16 phantom (72 x 64 x 44) on {@link DEMO_AFFINE} with the spheres of {@link DEMO_SPHERES},
 * and its truth labels (1 isolated, 2 target, 3 neighbour).
 *
 * @example
 * ```ts
 * const { volume, truth } = demoPhantom();
 * const image = await writeNifti(volume, { gzip: true });
 * ```
 */
export function demoPhantom(): { volume: Volume; truth: Uint8Array } {
  const { isolated, target, neighbour } = DEMO_SPHERES;
  return spherePhantom({ dims: [72, 64, 44], spheres: [isolated, target, neighbour], noise: 15, seed: 11, affine: DEMO_AFFINE });
}
