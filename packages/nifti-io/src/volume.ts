import type { Mat4 } from './affine.js';
import type { NiftiDatatype, VoxelData } from './datatypes.js';
import type { NiftiExtension, NiftiHeader } from './header.js';

/** Linear scaling of stored values: `real = stored * slope + inter` (NIfTI `scl_slope`, `scl_inter`). */
export interface Scaling {
  readonly slope: number;
  readonly inter: number;
}

/** A statistical or label intent (NIfTI `intent_code`, `intent_p1..3`, `intent_name`). */
export interface Intent {
  readonly code: number;
  readonly params?: readonly [number, number, number];
  readonly name?: string;
}

/**
 * A volume: voxel values on a grid, and where that grid lies in the patient. This is what every SDK
 * function takes and returns; it maps one-to-one onto a NIfTI file.
 *
 * Coordinates: `affine` maps a voxel index `[i, j, k, 1]` (i varies fastest in `data`) to world
 * millimetres in NIfTI's RAS+ frame: x grows toward the patient's right, y toward anterior, z toward
 * superior. Points in index space and points in world space are never mixed in one argument.
 */
export interface Volume {
  /** Size along each dimension, i fastest: `[nx, ny, nz]` or `[nx, ny, nz, nt, ...]`, 1 to 7 entries. */
  readonly dims: readonly number[];
  /** The type of the stored values. */
  readonly datatype: NiftiDatatype;
  /** Stored values in machine byte order; `dims` product × components entries. */
  readonly data: VoxelData;
  /** Voxel index to world (RAS+, millimetres). */
  readonly affine: Mat4;
  /**
   * Step along each dimension beyond the spatial ones (e.g. `pixdim[4]`, the time between volumes), by
   * dimension index; spatial entries are ignored on write because the affine defines them.
   */
  readonly pixdim?: readonly number[];
  /** The unit of `pixdim[4]`: NIfTI `xyzt_units & 0x38` (8 = s, 16 = ms, 24 = µs, 32 = Hz, 40 = ppm, 48 = rad/s). */
  readonly timeUnits?: number;
  /** Scaling to apply to stored values, when the file has one (absent means identity). */
  readonly scaling?: Scaling;
  /** The display window (`cal_min`, `cal_max`), when set. */
  readonly calibration?: { readonly min: number; readonly max: number };
  /** Intent, when the file declares one (labels, statistics...). */
  readonly intent?: Intent;
  /** What the world coordinates refer to (NIfTI xform code, 1 = scanner anatomy). Default 1. */
  readonly xformCode?: number;
  /** Free text for the header's `descrip` (80 ASCII bytes at most). Never put patient data here. */
  readonly description?: string;
  /** Extension blocks, kept as they were read. */
  readonly extensions?: readonly NiftiExtension[];
}

/** A volume read from a NIfTI file, with the header it came from. */
export interface NiftiVolume extends Volume {
  /** The header as decoded from the file. */
  readonly header: NiftiHeader;
}
