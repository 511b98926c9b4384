// Runs inside headless Chromium (see browser.test.ts): the package's browser build, end to end.
import { resample as itkResample, setPipelinesBaseUrl } from '@itk-wasm/downsample';
import { readNifti, resample, setResampleEngine, writeMask, writeNifti, type Volume, type VoxelData } from '@medaas/nifti-io';

function checksum(data: VoxelData): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 1) sum = (sum + Number(data[i]) * ((i % 7) + 1)) % 1_000_000_007;
  return sum;
}

async function resampleOutcome(volume: Volume): Promise<string> {
  try {
    await resample(volume, { spacingMm: 2 }, { interpolation: 'linear' });
    return 'ran';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

async function run(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  const ch2 = await readNifti(await response.blob());
  const gz = await writeNifti(ch2, { gzip: true, level: 6 });
  const back = await readNifti(gz);
  const mask = await writeMask({ ...ch2, data: (ch2.data as Uint8Array).map((v) => (v > 100 ? 1 : 0)) });
  const maskBack = await readNifti(mask);
  // Before the application hands over the engine, then with the engine but no pipeline location.
  const withoutEngine = await resampleOutcome(ch2);
  setResampleEngine({ resample: itkResample, setPipelinesBaseUrl });
  const withoutPipelines = await resampleOutcome(ch2);
  return {
    dims: ch2.dims,
    datatype: ch2.datatype,
    affine: ch2.affine,
    checksum: checksum(ch2.data),
    roundTripChecksum: checksum(back.data),
    gzipMagic: [gz[0], gz[1]],
    maskDatatype: maskBack.datatype,
    maskVoxels: (maskBack.data as Uint8Array).reduce((a, b) => a + b, 0),
    resample: [withoutEngine, withoutPipelines],
  };
}

(globalThis as unknown as { medaasRun: typeof run }).medaasRun = run;
