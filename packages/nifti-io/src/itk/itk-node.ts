import { resampleNode } from '@itk-wasm/downsample';
import { type ItkRunner, rowMajor } from './itk-runner.js';

type ItkImage = Parameters<typeof resampleNode>[0];

/** The Node runner: itk-wasm's WASI pipelines, read from node_modules (never downloaded). */
export const runner: ItkRunner = {
  setPipelinesBaseUrl() {
    // Node runs the pipelines shipped in node_modules/@itk-wasm/downsample; there is nothing to locate.
  },
  async resample(image, grid, interpolator) {
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
    const { output } = await resampleNode(input, {
      size: [...grid.size],
      outputSpacing: [...grid.spacing],
      outputOrigin: [...grid.origin],
      outputDirection: rowMajor(grid.direction),
      interpolator,
    });
    return output.data as ArrayBufferView;
  },
};
