import { describe, expectTypeOf, it } from 'vitest';
import {
  NiftiError,
  readNifti,
  writeNifti,
  type NiftiDatatype,
  type NiftiErrorCode,
  type NiftiVolume,
  type VoxelData,
} from '@medaas/nifti-io';

declare const bytes: Uint8Array;

// readNifti does not infer the typed array from the file (the datatype is only known at run time): its
// data is the union of the typed arrays, narrowed by `instanceof`, never `any`.
describe('readNifti types', () => {
  it('resolves to a volume whose data is one of the typed arrays and whose datatype is a literal', async () => {
    expectTypeOf(readNifti).returns.resolves.toEqualTypeOf<NiftiVolume>();
    const volume = await readNifti(bytes);
    expectTypeOf(volume.data).toEqualTypeOf<VoxelData>();
    expectTypeOf(volume.data).not.toBeAny();
    expectTypeOf(volume.datatype).toEqualTypeOf<NiftiDatatype>();
    expectTypeOf<'uint9'>().not.toMatchTypeOf<NiftiDatatype>();
    if (volume.data instanceof BigInt64Array) expectTypeOf(volume.data[0]).toEqualTypeOf<bigint | undefined>();
    if (volume.data instanceof Float32Array) expectTypeOf(volume.data[0]).toEqualTypeOf<number | undefined>();
  });

  it('writeNifti takes a volume and gives bytes; a datatype outside the list does not compile', async () => {
    const volume = await readNifti(bytes);
    // Backed by a plain ArrayBuffer, so the bytes can go to a Blob, postMessage or fetch as they are.
    expectTypeOf(writeNifti(volume, { gzip: true })).resolves.toEqualTypeOf<Uint8Array<ArrayBuffer>>();
    // @ts-expect-error 'uint9' is not a NIfTI datatype
    void writeNifti({ ...volume, datatype: 'uint9' });
  });

  it("NiftiError['code'] is its literal union", () => {
    expectTypeOf<NiftiError['code']>().toEqualTypeOf<NiftiErrorCode>();
    expectTypeOf<'NIFTI_TRUNCATED'>().toMatchTypeOf<NiftiErrorCode>();
    // @ts-expect-error NIFTI_BROKEN is not a NiftiError code
    void new NiftiError('NIFTI_BROKEN', 'broken');
  });
});
