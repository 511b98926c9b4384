import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NiftiError, readNifti, readNiftiHeader, writeNifti, type NiftiErrorCode } from '@medaas/nifti-io';
import { ctPhantom } from './helpers/phantoms.js';

const valid = await writeNifti(ctPhantom([6, 5, 4]));
const validGz = await writeNifti(ctPhantom([6, 5, 4]), { gzip: true });

function mutate(edit: (view: DataView, bytes: Uint8Array) => void, base = valid): Uint8Array {
  const bytes = new Uint8Array(base);
  edit(new DataView(bytes.buffer), bytes);
  return bytes;
}

async function errorOf(pending: Promise<unknown>): Promise<NiftiError> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof NiftiError)) throw new Error(`expected a NiftiError, got ${String(error)}`);
  return error;
}

async function codeOf(bytes: Uint8Array): Promise<NiftiErrorCode> {
  const error = await readNifti(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(NiftiError);
  expect((error as NiftiError).message.length).toBeGreaterThan(10);
  return (error as NiftiError).code;
}

describe('bad input gets a typed error that says what is wrong', () => {
  it('truncated anywhere: inside the header, the data, or the gzip stream', async () => {
    expect(await codeOf(valid.subarray(0, 0))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(valid.subarray(0, 3))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(valid.subarray(0, 200))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(valid.subarray(0, 350))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(valid.subarray(0, valid.length - 1))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(validGz.subarray(0, validGz.length - 30))).toBe('NIFTI_TRUNCATED');
    const error = await errorOf(readNifti(valid.subarray(0, valid.length - 10)));
    expect(error.message).toContain('6x5x4 int16 voxels (592 bytes with the header) but the input has 582 bytes');
    expect(error.details).toMatchObject({ expectedBytes: 592, inputBytes: 582 });
    // A stream of unknown length is caught at its end instead.
    const streamed = await errorOf(readNifti(gzipSync(valid.subarray(0, valid.length - 10))));
    expect(streamed.code).toBe('NIFTI_TRUNCATED');
    expect(streamed.message).toContain('10 bytes early');
  });

  it('wrong magic or sizeof_hdr: not NIfTI', async () => {
    expect(await codeOf(mutate((_, b) => b.set([0x78, 0x79, 0x7a], 344)))).toBe('NIFTI_NOT_NIFTI');
    expect(await codeOf(mutate((v) => v.setInt32(0, 1234, true)))).toBe('NIFTI_NOT_NIFTI');
    expect(await codeOf(new TextEncoder().encode('<html><body>502 Bad Gateway</body></html>'))).toBe('NIFTI_NOT_NIFTI');
    expect(await codeOf(gzipSync(Buffer.from('just some text that is long enough to look at')))).toBe('NIFTI_NOT_NIFTI');
  });

  it('vox_offset past the end, inside the header, or fractional', async () => {
    expect(await codeOf(mutate((v) => v.setFloat32(108, 1e6, true)))).toBe('NIFTI_TRUNCATED');
    expect(await codeOf(mutate((v) => v.setFloat32(108, 100, true)))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setFloat32(108, 352.5, true)))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setFloat32(108, Number.NaN, true)))).toBe('NIFTI_INVALID_HEADER');
  });

  it('dimensions whose product disagrees with the file size', async () => {
    expect(await codeOf(mutate((v) => v.setInt16(42, 12, true)))).toBe('NIFTI_TRUNCATED');
    const error = await errorOf(readNifti(mutate((v) => v.setInt16(42, 12, true))));
    expect(error.message).toMatch(/12x5x4 int16/);
  });

  it('absurd dimensions are refused before anything is allocated', async () => {
    const absurd = mutate((v) => {
      v.setInt16(42, 32767, true);
      v.setInt16(44, 32767, true);
      v.setInt16(46, 32767, true);
    });
    expect(await codeOf(absurd)).toBe('NIFTI_TOO_LARGE');
    const twoGigabytes = mutate((v) => [42, 44, 46].forEach((o) => v.setInt16(o, 1000, true)));
    expect(await codeOf(twoGigabytes)).toBe('NIFTI_TRUNCATED');
    const absurdGz = gzipSync(absurd);
    expect(await codeOf(absurdGz)).toBe('NIFTI_TOO_LARGE');
    expect((await errorOf(readNifti(valid, { maxBytes: 100 }))).code).toBe('NIFTI_TOO_LARGE');
    expect(await codeOf(mutate((v) => v.setInt16(40, 9, true)))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setInt16(40, 0, true)))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setInt16(44, 0, true)))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setInt16(44, -5, true)))).toBe('NIFTI_INVALID_HEADER');
  });

  it('negative, NaN or infinite pixdim', async () => {
    expect(await codeOf(mutate((v) => v.setFloat32(80, -1, true)))).toBe('NIFTI_INVALID_PIXDIM');
    expect(await codeOf(mutate((v) => v.setFloat32(84, Number.NaN, true)))).toBe('NIFTI_INVALID_PIXDIM');
    expect(await codeOf(mutate((v) => v.setFloat32(88, Number.POSITIVE_INFINITY, true)))).toBe('NIFTI_INVALID_PIXDIM');
    // A zero voxel size cannot make a qform: refused when the qform is what places the grid.
    expect(
      await codeOf(
        mutate((v) => {
          v.setInt16(254, 0, true);
          v.setFloat32(80, 0, true);
        }),
      ),
    ).toBe('NIFTI_INVALID_PIXDIM');
  });

  it('unsupported or unknown datatypes', async () => {
    expect(await codeOf(mutate((v) => v.setInt16(70, 1536, true)))).toBe('NIFTI_UNSUPPORTED_DATATYPE');
    expect(await codeOf(mutate((v) => v.setInt16(70, 1, true)))).toBe('NIFTI_UNSUPPORTED_DATATYPE');
    expect(await codeOf(mutate((v) => v.setInt16(70, 999, true)))).toBe('NIFTI_INVALID_HEADER');
  });

  it('corrupt gzip', async () => {
    const corrupt = new Uint8Array(validGz);
    for (let i = 20; i < 60; i += 1) corrupt[i] = corrupt[i]! ^ 0x5a;
    expect(['NIFTI_CORRUPT_GZIP', 'NIFTI_TRUNCATED']).toContain(await codeOf(corrupt));
    const badCrc = new Uint8Array(validGz);
    badCrc[badCrc.length - 6] = badCrc[badCrc.length - 6]! ^ 0xff;
    expect(await codeOf(badCrc)).toBe('NIFTI_CORRUPT_GZIP');
  });

  it('singular or non-finite sform, malformed extensions, header-only files', async () => {
    expect(await codeOf(mutate((v) => [280, 284, 288].forEach((o) => v.setFloat32(o, 0, true))))).toBe('NIFTI_INVALID_HEADER');
    expect(await codeOf(mutate((v) => v.setFloat32(292, Number.NaN, true)))).toBe('NIFTI_INVALID_HEADER');
    const withExtension = await writeNifti({ ...ctPhantom([2, 2, 2]), extensions: [{ code: 6, data: new Uint8Array(8) }] });
    expect(await codeOf(mutate((v) => v.setInt32(352, 17, true), withExtension))).toBe('NIFTI_INVALID_EXTENSION');
    expect(await codeOf(mutate((v) => v.setInt32(352, 4096, true), withExtension))).toBe('NIFTI_INVALID_EXTENSION');
    expect(await codeOf(mutate((_, b) => b.set([0x6e, 0x69, 0x31, 0], 344)))).toBe('NIFTI_INVALID_HEADER');
  });

  it('something that is not bytes at all', async () => {
    const error = await readNifti('ct.nii.gz' as unknown as Uint8Array).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NiftiError);
  });

  it('readNiftiHeader reports the same header problems', async () => {
    await expect(readNiftiHeader(valid.subarray(0, 100))).rejects.toMatchObject({ code: 'NIFTI_TRUNCATED' });
    await expect(readNiftiHeader(mutate((v) => v.setFloat32(80, -1, true)))).rejects.toMatchObject({ code: 'NIFTI_INVALID_PIXDIM' });
    const header = await readNiftiHeader(validGz);
    expect(header.dim.slice(0, 4)).toEqual([3, 6, 5, 4]);
  });
});

describe('property: random and mutated input never escapes as anything but a NiftiError', () => {
  const expectTyped = async (bytes: Uint8Array): Promise<void> => {
    try {
      const volume = await readNifti(bytes);
      // Whatever is accepted must be self-consistent: as many values as the dims announce.
      const voxels = volume.dims.reduce((a, b) => a * b, 1);
      expect(volume.data.length % voxels).toBe(0);
      expect(volume.affine.flat().every(Number.isFinite)).toBe(true);
    } catch (error) {
      if (!(error instanceof NiftiError)) throw error;
    }
    try {
      await readNiftiHeader(bytes);
    } catch (error) {
      if (!(error instanceof NiftiError)) throw error;
    }
  };

  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), expectTyped), { numRuns: 300, seed: 11 });
  });

  it('valid files with random header bytes overwritten, gzip or not, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 351 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.option(fc.integer({ min: 0, max: valid.length }), { nil: undefined }),
        fc.boolean(),
        async (edits, cut, gzip) => {
          const bytes = mutate((_, b) => edits.forEach(([offset, value]) => (b[offset] = value)));
          const input = cut === undefined ? bytes : bytes.subarray(0, cut);
          await expectTyped(gzip ? gzipSync(input) : input);
        },
      ),
      { numRuns: 400, seed: 12 },
    );
  });

  it('header fields set to extreme numbers', async () => {
    const int16Fields = [40, 42, 44, 46, 48, 68, 70, 72, 252, 254];
    const float32Fields = [76, 80, 84, 88, 92, 108, 112, 116, 256, 260, 264, 268, 280, 284, 296, 312];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...int16Fields),
        fc.integer({ min: -32768, max: 32767 }),
        fc.constantFrom(...float32Fields),
        fc.oneof(fc.float(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, 3.4e38, 1e-45)),
        async (i16, i16value, f32, f32value) => {
          await expectTyped(
            mutate((v) => {
              v.setInt16(i16, i16value, true);
              v.setFloat32(f32, f32value, true);
            }),
          );
        },
      ),
      { numRuns: 400, seed: 13 },
    );
  });
});
