import { engineUnavailable, chosenResampleEngine, RESAMPLE_ENGINE_PACKAGE, type ResampleEngine } from './resample-engine.js';
import { gridOptions, type EngineSettings, type ItkRunner, toItkImage } from './itk-runner.js';

type ResampleNode = NonNullable<ResampleEngine['resampleNode']>;

/** Loads the installed engine; a failed load is not cached, so installing it later works without a restart. */
async function loadEngine(settings: EngineSettings | undefined): Promise<ResampleNode> {
  const given = settings?.engine?.resampleNode ?? chosenResampleEngine()?.resampleNode;
  if (given) return given;
  // A variable specifier: the engine is an optional peer, and bundlers must not try to resolve it for
  // applications that never resample.
  const specifier: string = RESAMPLE_ENGINE_PACKAGE;
  let engine: ResampleEngine;
  try {
    engine = (await import(/* @vite-ignore */ specifier)) as ResampleEngine;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw engineUnavailable('node', error);
    throw error;
  }
  // Version 1 has no `resample` pipeline at all.
  if (typeof engine.resampleNode !== 'function') throw engineUnavailable('node');
  return engine.resampleNode.bind(engine);
}

/** The Node runner: itk-wasm's WASI pipelines, read from node_modules (never downloaded). */
export const runner: ItkRunner = {
  setPipelinesBaseUrl() {
    // Node runs the pipelines shipped in node_modules/@itk-wasm/downsample; there is nothing to locate.
  },
  async resample(image, grid, interpolator, settings) {
    const resampleNode = await loadEngine(settings);
    const { output } = await resampleNode(toItkImage(image) as never, gridOptions(grid, interpolator) as never);
    return output.data as ArrayBufferView;
  },
};
