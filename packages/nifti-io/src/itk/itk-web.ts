import { resample as resampleWeb, setPipelinesBaseUrl } from '@itk-wasm/downsample';
import { NiftiError } from '../errors.js';
import { type ItkRunner, rowMajor } from './itk-runner.js';

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
    const input = {
      imageType: { dimension: 3, componentType: image.componentType, pixelType: 'Scalar', components: 1 },
      name: 'medaas',
      origin: [...image.origin],
      spacing: [...image.spacing],
      direction: new Float64Array(rowMajor(image.direction)),
      size: [...image.size],
      data: image.data,
      metadata: new Map(),
    } as unknown as ItkImage;
    const { output } = await resampleWeb(input, {
      size: [...grid.size],
      outputSpacing: [...grid.spacing],
      outputOrigin: [...grid.origin],
      outputDirection: rowMajor(grid.direction),
      interpolator,
    });
    return output.data as ArrayBufferView;
  },
};
