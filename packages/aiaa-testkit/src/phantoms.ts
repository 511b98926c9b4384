import { labelDice, type Mat4, type Volume } from '@medaas/nifti-io';

/** A seeded pseudo-random generator (mulberry32), so phantoms are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian noise from a uniform generator (Box-Muller). */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A sphere of a phantom, in voxel units. */
export interface PhantomSphere {
  readonly center: readonly [number, number, number];
  readonly radius: number;
  readonly value: number;
}

/** Options of {@link spherePhantom}. */
export interface PhantomOptions {
  /** Grid size. Default `[64, 60, 40]`. */
  readonly dims?: readonly [number, number, number];
  /** Spheres, later ones painted over earlier ones. Default one sphere of radius 11 and value 1000. */
  readonly spheres?: readonly PhantomSphere[];
  /** Value outside the spheres. Default 0. */
  readonly background?: number;
  /** Standard deviation of the Gaussian noise. Default 40. */
  readonly noise?: number;
  /** Seed of the noise. Default 7. */
  readonly seed?: number;
  /** Voxel-to-world matrix. Default {@link OBLIQUE_AFFINE}. */
  readonly affine?: Mat4;
}

/** An anisotropic, oblique voxel-to-world matrix (1 x 0.8 x 1.5 mm, rotated about z). */
export const OBLIQUE_AFFINE: Mat4 = [
  [0.9659, -0.2071, 0, -40],
  [0.2588, 0.7727, 0, -35],
  [0, 0, 1.5, -30],
  [0, 0, 0, 1],
];

/**
 * A synthetic int16 volume with spheres of known extent plus seeded Gaussian noise, for exact-answer tests
 * of segmentation: `truth[i]` is the (1-based) sphere voxel `i` belongs to, 0 outside.
 *
 * @example
 * ```ts
 * const { volume, truth } = spherePhantom({ spheres: [{ center: [30, 28, 20], radius: 11, value: 1000 }] });
 * const bytes = await writeNifti(volume);
 * ```
 */
export function spherePhantom(options: PhantomOptions = {}): { volume: Volume; truth: Uint8Array } {
  const [nx, ny, nz] = options.dims ?? [64, 60, 40];
  const spheres = options.spheres ?? [{ center: [30, 28, 20], radius: 11, value: 1000 }];
  const noise = gaussian(seeded(options.seed ?? 7));
  const sigma = options.noise ?? 40;
  const data = new Int16Array(nx * ny * nz);
  const truth = new Uint8Array(nx * ny * nz);
  for (let z = 0, i = 0; z < nz; z += 1)
    for (let y = 0; y < ny; y += 1)
      for (let x = 0; x < nx; x += 1, i += 1) {
        let value = options.background ?? 0;
        spheres.forEach((s, n) => {
          if ((x - s.center[0]) ** 2 + (y - s.center[1]) ** 2 + (z - s.center[2]) ** 2 <= s.radius ** 2) {
            value = s.value;
            truth[i] = n + 1;
          }
        });
        data[i] = Math.round(value + sigma * noise());
      }
  return { volume: { dims: [nx, ny, nz], datatype: 'int16', data, affine: options.affine ?? OBLIQUE_AFFINE }, truth };
}

/**
 * The Dice overlap of a mask (any voxel above 0 of `a`) and a label of a reference (`b[i] === label`), by
 * `labelDice` of `@medaas/nifti-io`,
 * kept here so that tests written against the testkit's phantoms keep working; 1 when both are empty.
 *
 * @deprecated Use `labelDice` (voxel arrays) or `maskDice` (NIfTI files) of `@medaas/nifti-io`, the one
 *   implementation of Dice in the SDK. This forwarder goes in the next minor release.
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` when the arrays differ in length.
 * @example
 * ```ts
 * expect(dice(maskVolume.data, truth)).toBeGreaterThanOrEqual(0.95);
 * ```
 */
export function dice(a: ArrayLike<number> | ArrayLike<bigint>, b: ArrayLike<number>, label = 1): number {
  // The testkit's own semantics, kept for its callers: any voxel above 0 of `a` (a returned mask, whatever
  // value the server wrote) against the voxels of `b` (the phantom's truth) that equal `label`.
  const mask = Uint8Array.from({ length: a.length }, (_, i) => ((a[i] ?? 0) > 0 ? 1 : 0));
  const truth = Uint8Array.from({ length: b.length }, (_, i) => (b[i] === label ? 1 : 0));
  return labelDice(mask, truth);
}

/**
 * The six extreme points of a label in a mask (the first voxel at the minimum and at the maximum along x,
 * y and z), as a user would click them for DEXTR3D.
 *
 * @example
 * ```ts
 * const points = extremePointsOf(truth, volume.dims);
 * ```
 */
export function extremePointsOf(mask: ArrayLike<number>, dims: readonly number[], label = 1): [number, number, number][] {
  const [nx, ny] = dims as [number, number];
  const best: ([number, number, number] | undefined)[] = new Array(6).fill(undefined);
  for (let i = 0; i < mask.length; i += 1) {
    if (mask[i] !== label) continue;
    const p: [number, number, number] = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
    for (let a = 0; a < 3; a += 1) {
      if (!best[2 * a] || p[a]! < best[2 * a]![a]!) best[2 * a] = p;
      if (!best[2 * a + 1] || p[a]! > best[2 * a + 1]![a]!) best[2 * a + 1] = p;
    }
  }
  return best as [number, number, number][];
}
