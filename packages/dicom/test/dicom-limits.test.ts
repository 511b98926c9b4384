import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES } from '@medaas/nifti-io';
import { convertDicomSeries, listDicomSeries } from '@medaas/dicom';

describe('DICOM pixel limits, checked from the header before decoding', () => {
  const RLE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_RLE.dcm';
  /** MR_small_RLE.dcm (7 KB, explicit VR little endian) with Rows and Columns set to `n`. */
  const resized = async (n: number): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await readFile(RLE));
    const view = new DataView(bytes.buffer);
    for (const element of [0x10, 0x11]) {
      const at = bytes.findIndex(
        (b, i) => b === 0x28 && bytes[i + 1] === 0 && bytes[i + 2] === element && bytes[i + 3] === 0 && bytes[i + 4] === 0x55,
      );
      view.setUint16(at + 8, n, true);
    }
    return bytes;
  };

  it('a 7 KB RLE file announcing 65535x65535 pixels is DICOM_TOO_LARGE at once (it decoded 6.6 GiB for 40 s)', async () => {
    const bytes = await resized(65535);
    const error = await convertDicomSeries([{ name: 'huge.dcm', bytes }]).then(
      () => new Error('converted'),
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'DICOM_TOO_LARGE',
      details: { option: 'maxBytes', declared: 65535 * 65535 * 2, limit: DEFAULT_MAX_BYTES },
    });
  });

  it('compressed pixels may not expand more than 500:1 beyond 64 MiB (20000x20000 from 7 KB took 6 s)', async () => {
    const bytes = await resized(20000);
    const error = await listDicomSeries([{ name: 'wide.dcm', bytes }]).then(
      () => new Error('listed'),
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'DICOM_TOO_LARGE', details: { option: 'compressionRatio', limit: 500 } });
    // A modest enlargement stays below the floor and decodes (the RLE data then ends early, which the decoder pads).
    const volume = await convertDicomSeries([{ name: 'big.dcm', bytes: await resized(1024) }]);
    expect(volume.dims).toEqual([1024, 1024, 1]);
    await expect(convertDicomSeries([{ name: 'big.dcm', bytes: await resized(1024) }], { maxBytes: 1 << 20 })).rejects.toMatchObject({
      code: 'DICOM_TOO_LARGE',
      details: { option: 'maxBytes', declared: 1024 * 1024 * 2, limit: 1 << 20 },
    });
    await expect(convertDicomSeries([{ name: 'x.dcm', bytes }], { maxBytes: -1 })).rejects.toMatchObject({
      code: 'DICOM_INVALID_ARGUMENT',
    });
  });
});
