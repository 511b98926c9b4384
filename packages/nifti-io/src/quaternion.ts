import { determinant3, type Mat4, type Row4 } from './affine.js';

/** The NIfTI qform parameters: a unit quaternion (b, c, d), the offsets, the voxel sizes and qfac. */
export interface Qform {
  readonly quaternB: number;
  readonly quaternC: number;
  readonly quaternD: number;
  readonly qoffset: readonly [number, number, number];
  readonly pixdim: readonly [number, number, number];
  /** -1 for a left-handed grid (the third axis flipped), else 1. */
  readonly qfac: 1 | -1;
}

/**
 * The qform affine as the NIfTI-1 standard defines it ("method 2"): rotation from the quaternion, then
 * the voxel sizes, with `qfac` flipping the third axis.
 *
 * @example
 * ```ts
 * const affine = qformToAffine({ quaternB: 0, quaternC: 0, quaternD: 0, qoffset: [0, 0, 0], pixdim: [1, 1, 1], qfac: 1 });
 * ```
 */
export function qformToAffine(q: Qform): Mat4 {
  let b = q.quaternB;
  let c = q.quaternC;
  let d = q.quaternD;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // The standard's rule for a quaternion that is (almost) 180 degrees: a = 0, renormalise b, c, d.
    const norm = Math.sqrt(b * b + c * c + d * d);
    b /= norm;
    c /= norm;
    d /= norm;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [pi, pj, pk0] = q.pixdim;
  const pk = q.qfac * pk0;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ] as const;
  const row = (i: 0 | 1 | 2): Row4 => [r[i][0] * pi, r[i][1] * pj, r[i][2] * pk, q.qoffset[i]];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

/**
 * The qform that represents `affine`, or `undefined` when the affine has shear or is singular (a
 * quaternion can only hold a rotation, so such an affine is written as sform alone).
 *
 * @example
 * ```ts
 * const qform = affineToQform(volume.affine); // undefined for a sheared grid
 * ```
 */
export function affineToQform(affine: Mat4): Qform | undefined {
  const cols = [0, 1, 2].map((c) => [affine[0][c], affine[1][c], affine[2][c]] as [number, number, number]);
  const pixdim = cols.map((v) => Math.hypot(...v)) as [number, number, number];
  if (pixdim.some((p) => !(p > 0) || !Number.isFinite(p))) return undefined;
  const unit = cols.map((v, i) => v.map((x) => x / pixdim[i]!) as [number, number, number]);
  // Orthogonality check: a sheared grid cannot be a qform.
  const dot = (u: readonly number[], v: readonly number[]): number => u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  if (Math.abs(dot(unit[0]!, unit[1]!)) > 1e-4 || Math.abs(dot(unit[0]!, unit[2]!)) > 1e-4 || Math.abs(dot(unit[1]!, unit[2]!)) > 1e-4) {
    return undefined;
  }
  const qfac: 1 | -1 = determinant3(affine) < 0 ? -1 : 1;
  if (qfac < 0) unit[2] = unit[2]!.map((x) => -x) as [number, number, number];
  // Rows of the proper rotation matrix R (columns are the unit axes).
  const r = [0, 1, 2].map((i) => [unit[0]![i]!, unit[1]![i]!, unit[2]![i]!]);
  const [r11, r12, r13] = r[0] as [number, number, number];
  const [r21, r22, r23] = r[1] as [number, number, number];
  const [r31, r32, r33] = r[2] as [number, number, number];
  // Shepperd's method: pick the largest diagonal term for numerical stability.
  const trace = r11 + r22 + r33;
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(1 + trace);
    b = (r32 - r23) / (4 * a);
    c = (r13 - r31) / (4 * a);
    d = (r21 - r12) / (4 * a);
  } else if (r11 >= r22 && r11 >= r33) {
    b = 0.5 * Math.sqrt(1 + r11 - r22 - r33);
    a = (r32 - r23) / (4 * b);
    c = (r12 + r21) / (4 * b);
    d = (r13 + r31) / (4 * b);
  } else if (r22 >= r33) {
    c = 0.5 * Math.sqrt(1 - r11 + r22 - r33);
    a = (r13 - r31) / (4 * c);
    b = (r12 + r21) / (4 * c);
    d = (r23 + r32) / (4 * c);
  } else {
    d = 0.5 * Math.sqrt(1 - r11 - r22 + r33);
    a = (r21 - r12) / (4 * d);
    b = (r13 + r31) / (4 * d);
    c = (r23 + r32) / (4 * d);
  }
  // NIfTI stores only b, c, d and takes a >= 0, so flip the sign of the whole quaternion if needed.
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return { quaternB: b, quaternC: c, quaternD: d, qoffset: [affine[0][3], affine[1][3], affine[2][3]], pixdim, qfac };
}
