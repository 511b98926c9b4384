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
  async resample(image, grid, interpolator) {
    const engine = chosenResampleEngine();
    if (typeof engine?.resample !== 'function') throw engineUnavailable('browser');
    if (pipelinesBaseUrl === undefined) {
      throw new NiftiError(
        'NIFTI_ITK_NOT_CONFIGURED',
        'resampling in a browser needs setItkPipelinesBaseUrl(url) pointing at the served @itk-wasm/downsample pipelines',
      );
    }
    // Without this setter the engine would fetch its pipelines from a CDN: refuse rather than risk it.
    if (typeof engine.setPipelinesBaseUrl !== 'function') {
      throw new NiftiError('NIFTI_INVALID_ARGUMENT', 'the resample engine has no setPipelinesBaseUrl: pass the @itk-wasm/downsample module itself to setResampleEngine', {
        details: { option: 'engine' },
      });
    }
    engine.setPipelinesBaseUrl(pipelinesBaseUrl);
    const { output } = await engine.resample(toItkImage(image) as never, gridOptions(grid, interpolator) as never);
    return output.data as ArrayBufferView;
  },
};
