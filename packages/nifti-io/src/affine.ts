/** A row of a 4x4 matrix. */
export type Row4 = readonly [number, number, number, number];
/** A 4x4 matrix as four rows; the voxel-to-world affine maps `[i, j, k, 1]` to `[x, y, z, 1]`. */
export type Mat4 = readonly [Row4, Row4, Row4, Row4];
/** A 3x3 matrix as three rows. */
export type Mat3 = readonly [readonly [number, number, number], readonly [number, number, number], readonly [number, number, number]];
/** A point or vector in three dimensions. */
export type Vec3 = readonly [number, number, number];

/**
 * The physical geometry of a voxel grid in the SDK's frame (NIfTI's RAS+, millimetres): how far apart
 * voxel centres are along each axis, where voxel `[0, 0, 0]` is, and which way each axis points.
 */
export interface Geometry {
  /** Distance between voxel centres along i, j and k, in millimetres. */
  readonly spacingMm: Vec3;
  /** World position (RAS+, mm) of the centre of voxel `[0, 0, 0]`. */
  readonly originMm: Vec3;
  /** Unit direction cosines: column `c` is the world direction of voxel axis `c`. */
  readonly direction: Mat3;
}

/**
 * Splits an affine into spacing, origin and direction cosines.
 *
 * @example
 * ```ts
 * const { spacingMm, originMm } = geometryFromAffine(volume.affine);
 * ```
 */
export function geometryFromAffine(affine: Mat4): Geometry {
  const spacing = ([0, 1, 2] as const).map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) as unknown as Vec3;
  const direction = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (spacing[c] === 0 ? 0 : affine[r]![c]! / spacing[c]!))) as unknown as Mat3;
  return { spacingMm: spacing, originMm: [affine[0][3], affine[1][3], affine[2][3]], direction };
}

/**
 * Builds the affine of a grid from spacing, origin and direction cosines (the inverse of
 * {@link geometryFromAffine}).
 *
 * @example
 * ```ts
 * const affine = affineFromGeometry({ spacingMm: [1, 1, 2], originMm: [-90, -126, -72], direction: IDENTITY3 });
 * ```
 */
export function affineFromGeometry(geometry: Geometry): Mat4 {
  const { spacingMm: s, originMm: o, direction: d } = geometry;
  const row = (r: 0 | 1 | 2): Row4 => [d[r][0] * s[0], d[r][1] * s[1], d[r][2] * s[2], o[r]];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

/** The 3x3 identity: axes aligned with the world. */
export const IDENTITY3: Mat3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/**
 * Multiplies an affine by a voxel index (or any point in index space) and returns world millimetres.
 *
 * @example
 * ```ts
 * const worldMm = voxelToWorld(volume.affine, [90, 126, 72]);
 * ```
 */
export function voxelToWorld(affine: Mat4, ijk: Vec3): Vec3 {
  const [i, j, k] = ijk;
  return [0, 1, 2].map((r) => affine[r]![0] * i + affine[r]![1] * j + affine[r]![2] * k + affine[r]![3]) as unknown as Vec3;
}

/**
 * Maps world millimetres to fractional voxel indices with the inverse affine (round them for the
 * nearest voxel). Throws nothing: a singular affine gives non-finite numbers.
 *
 * @example
 * ```ts
 * const [i, j, k] = worldToVoxel(volume.affine, [0, 0, 0]).map(Math.round);
 * ```
 */
export function worldToVoxel(affine: Mat4, xyz: Vec3): Vec3 {
  return voxelToWorld(invertAffine(affine), xyz);
}

/**
 * Inverts an affine (a 3x3 linear part plus a translation).
 *
 * @example
 * ```ts
 * const worldToIndex = invertAffine(volume.affine);
 * ```
 */
export function invertAffine(affine: Mat4): Mat4 {
  const m = affine;
  const det = determinant3(m);
  const inv = (r: number, c: number): number => {
    // Cofactor expansion: clearer than a general inverse and exact enough for 3x3.
    const rows = [0, 1, 2].filter((x) => x !== c);
    const cols = [0, 1, 2].filter((x) => x !== r);
    const minor = m[rows[0]!]![cols[0]!]! * m[rows[1]!]![cols[1]!]! - m[rows[0]!]![cols[1]!]! * m[rows[1]!]![cols[0]!]!;
    return ((r + c) % 2 === 0 ? minor : -minor) / det;
  };
  const lin = [0, 1, 2].map((r) => [0, 1, 2].map((c) => inv(r, c)));
  const t = [0, 1, 2].map((r) => -(lin[r]![0]! * m[0][3] + lin[r]![1]! * m[1][3] + lin[r]![2]! * m[2][3]));
  const row = (r: number): Row4 => [lin[r]![0]!, lin[r]![1]!, lin[r]![2]!, t[r]!];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

/**
 * The determinant of the affine's 3x3 linear part: the signed voxel volume in mm³. Negative means a
 * left-handed voxel grid (the NIfTI `qfac = -1` case).
 *
 * @example
 * ```ts
 * const voxelVolumeMm3 = Math.abs(determinant3(volume.affine));
 * ```
 */
export function determinant3(m: Mat4 | Mat3): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/**
 * Converts an affine between the NIfTI frame (RAS+) and the ITK/DICOM frame (LPS+) by negating the
 * first two world axes. The conversion is its own inverse.
 *
 * @example
 * ```ts
 * const lpsAffine = flipRasLps(volume.affine); // what ITK calls direction * spacing and origin
 * ```
 */
export function flipRasLps(affine: Mat4): Mat4 {
  const neg = (row: Row4): Row4 => [-row[0], -row[1], -row[2], -row[3]];
  return [neg(affine[0]), neg(affine[1]), affine[2], [0, 0, 0, 1]];
}
