// Runs inside headless Chromium (see browser.test.ts): the package's browser build, end to end.
import { readNifti, resample, writeMask, writeNifti, type VoxelData } from '@medaas/nifti-io';

function checksum(data: VoxelData): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 1) sum = (sum + Number(data[i]) * ((i % 7) + 1)) % 1_000_000_007;
  return sum;
}

async function run(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  const ch2 = await readNifti(await response.blob());
  const gz = await writeNifti(ch2, { gzip: true, level: 6 });
  const back = await readNifti(gz);
  const mask = await writeMask({ ...ch2, data: (ch2.data as Uint8Array).map((v) => (v > 100 ? 1 : 0)) });
  const maskBack = await readNifti(mask);
  let resampleOutcome: string;
  try {
    await resample(ch2, { spacingMm: 2 }, { interpolation: 'linear' });
    resampleOutcome = 'ran';
  } catch (error) {
    resampleOutcome = (error as { code?: string }).code ?? String(error);
  }
  return {
    dims: ch2.dims,
    datatype: ch2.datatype,
    affine: ch2.affine,
    checksum: checksum(ch2.data),
    roundTripChecksum: checksum(back.data),
    gzipMagic: [gz[0], gz[1]],
    maskDatatype: maskBack.datatype,
    maskVoxels: (maskBack.data as Uint8Array).reduce((a, b) => a + b, 0),
    resample: resampleOutcome,
  };
}

(globalThis as unknown as { medaasRun: typeof run }).medaasRun = run;
