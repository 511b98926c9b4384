import * as downsample from '@itk-wasm/downsample';
import { describe, expect, it } from 'vitest';
import { resample, type ResampleEngine, type Volume } from '@medaas/nifti-io';

// The engine as a call option (what browsers need, since a bundler includes only what the application
// imports): the call runs on the engine given, and gives what the installed engine gives.
const cube: Volume = {
  dims: [8, 8, 8],
  datatype: 'uint8',
  data: Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 251),
  affine: [
    [1, 0, 0, -4],
    [0, 1, 0, -4],
    [0, 0, 1, -4],
    [0, 0, 0, 1],
  ],
};

describe('resample({ engine })', () => {
  it('runs on the engine passed with the call, with the same result as the installed one', async () => {
    let calls = 0;
    const engine: ResampleEngine = {
      resampleNode: (...args: Parameters<NonNullable<ResampleEngine['resampleNode']>>) => {
        calls += 1;
        return downsample.resampleNode(...(args as Parameters<typeof downsample.resampleNode>)) as ReturnType<
          NonNullable<ResampleEngine['resampleNode']>
        >;
      },
    };
    const given = await resample(cube, { spacingMm: 2 }, { interpolation: 'nearest', engine });
    expect(calls).toBe(1);
    const installed = await resample(cube, { spacingMm: 2 }, { interpolation: 'nearest' });
    expect(calls).toBe(1);
    expect(given.dims).toEqual([4, 4, 4]);
    expect(Array.from(given.data as Uint8Array)).toEqual(Array.from(installed.data as Uint8Array));
  });

  it('refuses something that is not the engine module, naming the option', async () => {
    await expect(resample(cube, { spacingMm: 2 }, { interpolation: 'nearest', engine: {} as ResampleEngine })).rejects.toMatchObject({
      code: 'NIFTI_INVALID_ARGUMENT',
      details: { option: 'engine' },
    });
  });
});
