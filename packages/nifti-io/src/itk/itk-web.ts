import { resample as resampleWeb, setPipelinesBaseUrl } from '@itk-wasm/downsample';
import { NiftiError } from '../errors.js';
import { gridOptions, type ItkRunner, toItkImage } from './itk-runner.js';

type ItkImage = Parameters<typeof resampleWeb>[0];

let configured = false;

/** The browser runner: itk-wasm in a web worker, pipelines from the application's own origin. */
export const runner: ItkRunner = {
  setPipelinesBaseUrl(url) {
    setPipelinesBaseUrl(url);
    configured = true;
  },
  async resample(image, grid, interpolator) {
    if (!configured) {
      throw new NiftiError(
        'NIFTI_ITK_NOT_CONFIGURED',
        'resampling in a browser needs setItkPipelinesBaseUrl(url) pointing at the served @itk-wasm/downsample pipelines',
      );
    }
    const { output } = await resampleWeb(toItkImage(image) as unknown as ItkImage, gridOptions(grid, interpolator));
    return output.data as ArrayBufferView;
  },
};
