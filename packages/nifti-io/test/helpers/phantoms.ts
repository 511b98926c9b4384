import type { Mat4, Volume } from '@medaas/nifti-io';

/** An oblique, anisotropic affine (rotation about two axes, spacing 0.8 x 1.2 x 2.5 mm). */
export const OBLIQUE: Mat4 = (() => {
  const a = 0.3;
  const b = -0.2;
  const rz = [
    [Math.cos(a), -Math.sin(a), 0],
    [Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
  const rx = [
    [1, 0, 0],
    [0, Math.cos(b), -Math.sin(b)],
    [0, Math.sin(b), Math.cos(b)],
  ];
  const spacing = [0.8, 1.2, 2.5];
  const r = rz.map((row) => [0, 1, 2].map((c) => row[0]! * rx[0]![c]! + row[1]! * rx[1]![c]! + row[2]! * rx[2]![c]!));
  const rowOf = (i: number, t: number): [number, number, number, number] => [
    r[i]![0]! * spacing[0]!,
    r[i]![1]! * spacing[1]!,
    r[i]![2]! * spacing[2]!,
    t,
  ];
  return [rowOf(0, -91.5), rowOf(1, 12.25), rowOf(2, -40), [0, 0, 0, 1]];
})();

/** A ball of label 1 (and a smaller inner ball of label 2) in a uint8 volume. */
export function sphereMask(dims: readonly [number, number, number], radius: number, affine: Mat4 = OBLIQUE): Volume {
  const [nx, ny, nz] = dims;
  const data = new Uint8Array(nx * ny * nz);
  const c = [nx / 2, ny / 2, nz / 2];
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) {
        const d = Math.hypot(i - c[0]!, j - c[1]!, k - c[2]!);
        data[i + nx * (j + ny * k)] = d < radius / 2 ? 2 : d < radius ? 1 : 0;
      }
  return { dims, datatype: 'uint8', data, affine };
}

/** A smooth int16 "CT" phantom with noise: realistic to compress, exact to compare. */
export function ctPhantom(dims: readonly [number, number, number], seed = 1): Volume {
  const [nx, ny, nz] = dims;
  const data = new Int16Array(nx * ny * nz);
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) {
        const body = Math.hypot((i - nx / 2) / (nx * 0.4), (j - ny / 2) / (ny * 0.3)) < 1;
        data[i + nx * (j + ny * k)] = (body ? 40 : -1000) + Math.round(random() * 30);
      }
  return {
    dims,
    datatype: 'int16',
    data,
    affine: [
      [0.7, 0, 0, -180],
      [0, 0.7, 0, -180],
      [0, 0, 1.5, -300],
      [0, 0, 0, 1],
    ],
    scaling: { slope: 1, inter: -1024 },
  };
}
