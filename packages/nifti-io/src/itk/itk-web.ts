import { NiftiError } from '../errors.js';
import { chosenResampleEngine, engineUnavailable } from './resample-engine.js';
import { gridOptions, type ItkRunner, toItkImage } from './itk-runner.js';

let pipelinesBaseUrl: string | URL | undefined;

/**
 * The browser runner: itk-wasm in a web worker, pipelines from the application's own origin. The engine
 * module comes from `setResampleEngine`: only an application that names it gets it bundled.
 */
export const runner: ItkRunner = {
  setPipelinesBaseUrl(url) {
    pipelinesBaseUrl = url;
  },
  async resample(image, grid, interpolator, settings) {
    const engine = settings?.engine ?? chosenResampleEngine();
    if (typeof engine?.resample !== 'function') throw engineUnavailable('browser');
    const baseUrl = settings?.pipelinesBaseUrl ?? pipelinesBaseUrl;
    if (baseUrl === undefined) {
      throw new NiftiError(
        'NIFTI_ITK_NOT_CONFIGURED',
        'resampling in a browser needs the pipelinesBaseUrl option (or setItkPipelinesBaseUrl) pointing at the served @itk-wasm/downsample pipelines',
      );
    }
    // Without this setter the engine would fetch its pipelines from a CDN: refuse rather than risk it.
    if (typeof engine.setPipelinesBaseUrl !== 'function') {
      throw new NiftiError(
        'NIFTI_INVALID_ARGUMENT',
        'the resample engine has no setPipelinesBaseUrl: pass the @itk-wasm/downsample module itself to setResampleEngine',
        {
          details: { option: 'engine' },
        },
      );
    }
    engine.setPipelinesBaseUrl(baseUrl);
    const { output } = await engine.resample(toItkImage(image) as never, gridOptions(grid, interpolator) as never);
    return output.data as ArrayBufferView;
  },
};
