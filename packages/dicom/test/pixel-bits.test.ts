import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDicomSeries } from '@medaas/dicom';
import { PYTHON, requireReferenceTools } from './helpers/reference.js';

// Stored values with garbage above Bits Stored, signed and unsigned, both byte orders: the voxels must be
// exactly what pydicom reads, masked to Bits Stored and sign-extended as PS3.5 8.1.1 defines a pixel value.
const TOOL = fileURLToPath(new URL('./reference/pixel_bits.py', import.meta.url));
let dir: string;
let cases: { file: string; values: number[] }[];
beforeAll(async () => {
  requireReferenceTools();
  dir = await mkdtemp(join(tmpdir(), 'medaas-pixel-bits-'));
  cases = JSON.parse(execFileSync(PYTHON, [TOOL, dir], { encoding: 'utf8' })) as typeof cases;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stored pixel values as pydicom reads them', () => {
  it('masks the bits above Bits Stored, sign-extends signed values and swaps big-endian data', async () => {
    expect(cases.length).toBe(6);
    for (const { file, values } of cases) {
      const volume = await convertDicomSeries([{ name: basename(file), bytes: new Uint8Array(await readFile(file)) }]);
      expect(volume.dims, basename(file)).toEqual([9, 7, 1]);
      // The volume is RAS (columns flipped from DICOM's LPS x, rows flipped from y): undo both to compare rows x columns.
      const [nx, ny] = volume.dims as [number, number, number];
      const got: number[] = [];
      for (let r = 0; r < ny; r += 1) for (let c = 0; c < nx; c += 1) got.push(Number(volume.data[voxelOf(volume.affine, c, r, nx, ny)]));
      expect(got, basename(file)).toEqual(values);
    }
  });
});

/** The index in the volume of DICOM pixel (column c, row r) of the single slice, from the volume's axes. */
function voxelOf(affine: readonly (readonly number[])[], c: number, r: number, nx: number, ny: number): number {
  // DICOM pixel (c, r) sits at LPS (c, r, 0) here (identity orientation, 1 mm, origin 0), i.e. RAS (-c, -r, 0).
  const i = affine[0]![0]! < 0 ? c : nx - 1 - c;
  const j = affine[1]![1]! < 0 ? r : ny - 1 - r;
  return j * nx + i;
}
