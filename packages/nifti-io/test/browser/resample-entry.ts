// Runs inside headless Chromium (see browser-resample.test.ts): resampling as a browser application writes it.
import { resample as itkResample, setPipelinesBaseUrl } from '@itk-wasm/downsample';
import { resample, setItkPipelinesBaseUrl, setResampleEngine, type Volume } from '@medaas/nifti-io';

async function run(volume: Volume, pipelines: string): Promise<{ dims: number[]; data: number[] }> {
  setResampleEngine({ resample: itkResample, setPipelinesBaseUrl });
  setItkPipelinesBaseUrl(new URL(pipelines));
  const out = await resample(
    { ...volume, data: new Float32Array(volume.data as Float32Array) },
    { spacingMm: 1 },
    { interpolation: 'linear' },
  );
  return { dims: [...out.dims], data: Array.from(out.data as Float32Array) };
}

(globalThis as unknown as { medaasResample: typeof run }).medaasResample = run;
