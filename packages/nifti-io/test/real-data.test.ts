import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as niftiReader from 'nifti-reader-js';
import { geometryFromAffine, readNifti, writeMask, writeNifti } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';
import { MRICRON, bytesOf, describeWithNibabel, maxAffineDifference, requireReferenceTools, sameBytes } from './helpers/reference.js';

// Colin27 and atlases from Debian's mricron-data, installed by scripts/setup-test-env.sh. The label atlases
// are the most compressible real files here (up to 151:1), read with the default decode limits.
const FILES = [
  'ch2.nii.gz',
  'ch2bet.nii.gz',
  'aal.nii.gz',
  'ch2better.nii.gz',
  'JHU-WhiteMatter-labels-1mm.nii.gz',
  'JHU-WhiteMatter-labels-2mm.nii.gz',
  'HarvardOxford-cort-maxprob-thr0-1mm.nii.gz',
  'AICHAmc.nii.gz',
  'inia19-NeuroMaps.nii.gz',
];

let scratch: string;
beforeAll(async () => {
  requireReferenceTools();
  scratch = await mkdtemp(join(tmpdir(), 'medaas-real-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('real volumes (Colin27, mricron-data) read the same as nibabel reads them', () => {
  for (const name of FILES) {
    it(name, async () => {
      const path = join(MRICRON, name);
      const ours = await readNiftiFile(path);
      const theirs = await describeWithNibabel(path, scratch);
      expect(ours.dims).toEqual(theirs.shape);
      expect(ours.datatype).toBe(theirs.dtype);
      expect(sameBytes(bytesOf(ours.data), theirs.raw)).toBe(true);
      expect(maxAffineDifference(ours.affine, theirs.affine)).toBeLessThan(1e-5);
    });
  }

  it('ch2better: 301x370x316 at 0.5 mm', async () => {
    const volume = await readNiftiFile(join(MRICRON, 'ch2better.nii.gz'));
    expect(volume.dims).toEqual([301, 370, 316]);
    expect(geometryFromAffine(volume.affine).spacingMm).toEqual([0.5, 0.5, 0.5]);
  });

  it('header fields agree with nifti-reader-js', async () => {
    for (const name of FILES) {
      const bytes = new Uint8Array(await readFile(join(MRICRON, name)));
      const ours = await readNifti(bytes);
      const raw = niftiReader.decompress(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const theirs = niftiReader.readHeader(raw as ArrayBuffer);
      expect(theirs, name).not.toBeNull();
      expect(ours.header.dim, name).toEqual(theirs!.dims);
      expect(ours.header.datatype, name).toBe(theirs!.datatypeCode);
      expect(ours.header.voxOffset, name).toBe(theirs!.vox_offset);
      expect(ours.header.sformCode, name).toBe(theirs!.sform_code);
      expect([ours.header.srowX, ours.header.srowY, ours.header.srowZ], name).toEqual(theirs!.affine.slice(0, 3));
    }
  });
});

describe('real volumes survive our writer and load in nibabel unchanged', () => {
  it('ch2 written as .nii.gz and as .nii', async () => {
    const volume = await readNiftiFile(join(MRICRON, 'ch2.nii.gz'));
    for (const gzip of [true, false]) {
      const path = join(scratch, `ch2-ours.nii${gzip ? '.gz' : ''}`);
      await writeFile(path, await writeNifti(volume, { gzip }));
      const theirs = await describeWithNibabel(path, scratch);
      expect(theirs.shape).toEqual([181, 217, 181]);
      expect(sameBytes(theirs.raw, bytesOf(volume.data))).toBe(true);
      expect(maxAffineDifference(theirs.affine, volume.affine)).toBeLessThan(1e-5);
    }
  });

  it('a real brain mask (ch2bet > 0) written by writeMask loads in nibabel as uint8 labels', async () => {
    const brain = await readNiftiFile(join(MRICRON, 'ch2bet.nii.gz'));
    const mask = { ...brain, data: (brain.data as Uint8Array).map((v) => (v > 0 ? 1 : 0)) };
    const bytes = await writeMask(mask);
    const path = join(scratch, 'mask.nii.gz');
    await writeFile(path, bytes);
    const theirs = await describeWithNibabel(path, scratch);
    expect(theirs.dtype).toBe('uint8');
    expect(theirs.intent).toBe('label');
    expect(sameBytes(theirs.raw, mask.data)).toBe(true);
    // A brain mask compresses far below its 7.1 MB of voxels.
    expect(bytes.length).toBeLessThan(200_000);
  });
});
