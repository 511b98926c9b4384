import { NiftiError } from '../errors.js';

/** The npm package that carries the ITK resampling pipeline: an optional peer dependency of nifti-io. */
export const RESAMPLE_ENGINE_PACKAGE = '@itk-wasm/downsample';

/** The command that installs the engine, quoted in {@link NiftiError} `NIFTI_RESAMPLE_UNAVAILABLE`. */
export const RESAMPLE_ENGINE_INSTALL = `npm install ${RESAMPLE_ENGINE_PACKAGE}`;

/** What an ITK resampling call returns (the part the SDK reads). */
export interface ResampleEngineResult {
  readonly output: { readonly data: unknown };
}

/**
 * The part of the `@itk-wasm/downsample` module (version 2) that {@link resample} uses, typed
 * structurally so that nifti-io's types do not need the engine installed. Pass the module itself to
 * {@link setResampleEngine}: its browser build has `resample` and `setPipelinesBaseUrl`, its Node build
 * `resampleNode`.
 */
export interface ResampleEngine {
  /** The browser (web worker) pipeline. */
  resample?(input: never, options: never): Promise<ResampleEngineResult>;
  /** The Node (WASI) pipeline. */
  resampleNode?(input: never, options: never): Promise<ResampleEngineResult>;
  /** Where the browser build loads its pipeline files from. */
  setPipelinesBaseUrl?(url: string | URL): void;
}

let chosen: ResampleEngine | undefined;

/**
 * Hands {@link resample} the ITK engine module. Browsers need this call (a bundler can only bundle the
 * engine when the application names it); Node loads the installed `@itk-wasm/downsample` by itself and
 * uses this module instead when given one.
 *
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` when `engine` has neither `resample` nor `resampleNode`.
 * @example
 * ```ts
 * import * as downsample from '@itk-wasm/downsample';
 * setResampleEngine(downsample);
 * setItkPipelinesBaseUrl(new URL('/assets/itk/pipelines', location.href));
 * ```
 */
export function setResampleEngine(engine: ResampleEngine): void {
  chosen = checkedResampleEngine(engine, 'setResampleEngine');
}

/**
 * The engine, if it is one (version 2 of the module, with `resample` or `resampleNode`).
 *
 * @throws {NiftiError} `NIFTI_INVALID_ARGUMENT` for anything else.
 * @example
 * ```ts
 * checkedResampleEngine(downsample, 'resample');
 * ```
 */
export function checkedResampleEngine(engine: ResampleEngine, caller: string): ResampleEngine {
  const candidate = engine as { resample?: unknown; resampleNode?: unknown } | null | undefined;
  if (typeof candidate?.resample !== 'function' && typeof candidate?.resampleNode !== 'function') {
    throw new NiftiError(
      'NIFTI_INVALID_ARGUMENT',
      `${caller} takes the ${RESAMPLE_ENGINE_PACKAGE} module (version 2, with resample or resampleNode) as its engine: import * as downsample from '${RESAMPLE_ENGINE_PACKAGE}'`,
      { details: { option: 'engine' } },
    );
  }
  return engine;
}

/** The engine given to {@link setResampleEngine}, if any. */
export function chosenResampleEngine(): ResampleEngine | undefined {
  return chosen;
}

/** The typed error of a {@link resample} call that finds no engine, with the command that fixes it. */
export function engineUnavailable(platform: 'node' | 'browser', cause?: unknown): NiftiError {
  const how =
    platform === 'node'
      ? `${RESAMPLE_ENGINE_INSTALL} (version 2)`
      : `${RESAMPLE_ENGINE_INSTALL}, then setResampleEngine(await import('${RESAMPLE_ENGINE_PACKAGE}')) and setItkPipelinesBaseUrl(url)`;
  return new NiftiError(
    'NIFTI_RESAMPLE_UNAVAILABLE',
    `resample needs the ITK engine ${RESAMPLE_ENGINE_PACKAGE}, an optional peer dependency that is not ${platform === 'node' ? 'installed' : 'set'}: ${how}`,
    {
      details: { package: RESAMPLE_ENGINE_PACKAGE, install: RESAMPLE_ENGINE_INSTALL, platform },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
