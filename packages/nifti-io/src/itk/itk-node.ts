import { resampleNode } from '@itk-wasm/downsample';
import { gridOptions, type ItkRunner, toItkImage } from './itk-runner.js';

type ItkImage = Parameters<typeof resampleNode>[0];

/** The Node runner: itk-wasm's WASI pipelines, read from node_modules (never downloaded). */
export const runner: ItkRunner = {
  setPipelinesBaseUrl() {
    // Node runs the pipelines shipped in node_modules/@itk-wasm/downsample; there is nothing to locate.
  },
  async resample(image, grid, interpolator) {
    const { output } = await resampleNode(toItkImage(image) as unknown as ItkImage, gridOptions(grid, interpolator));
    return output.data as ArrayBufferView;
  },
};
