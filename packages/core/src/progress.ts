/**
 * One progress report. Every long operation of the SDK reports in this shape, so a viewer can drive
 * one progress bar from any of them.
 */
export interface Progress {
  /** What is happening, e.g. `'download'`, `'decompress'`, `'upload'`, `'resample'`. */
  readonly phase: string;
  /** Units done so far in this phase (bytes, voxels, slices: the phase says which). */
  readonly loaded: number;
  /** Units in the phase when known in advance. */
  readonly total?: number | undefined;
}

/** A callback that receives {@link Progress} reports. It must not throw; errors it throws are ignored. */
export type ProgressCallback = (progress: Progress) => void;

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** The reports' phase. */
  readonly phase: string;
  /** The phase's total, when known. */
  readonly total?: number | undefined;
  /** Report at most once per this many units, apart from the first and the last report. Default: 1 % of total, or 1 MiB. */
  readonly every?: number;
}

/** A throttled reporter for one phase. */
export interface ProgressReporter {
  /** Reports `loaded` if enough has changed since the last report. */
  update(loaded: number): void;
  /** Reports the final amount unconditionally. */
  done(loaded?: number): void;
}

/**
 * Makes a reporter that forwards to `onProgress` without flooding it: a 1 GB decompression reports
 * about a hundred times, not a million. A callback that throws cannot break the operation.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter(options.onProgress, { phase: 'decompress', total: size });
 * progress.update(bytesSoFar);
 * progress.done();
 * ```
 */
export function createProgressReporter(onProgress: ProgressCallback | undefined, options: ProgressReporterOptions): ProgressReporter {
  const { phase, total } = options;
  const every = options.every ?? (total !== undefined && total > 0 ? Math.max(1, Math.floor(total / 100)) : 1 << 20);
  let last = -Infinity;
  let finished = false;
  const emit = (loaded: number): void => {
    if (!onProgress) return;
    try {
      onProgress(total === undefined ? { phase, loaded } : { phase, loaded, total });
    } catch {
      // A faulty progress callback must never abort the operation it observes.
    }
  };
  return {
    update(loaded) {
      if (finished || loaded - last < every) return;
      last = loaded;
      emit(loaded);
    },
    done(loaded = total ?? Math.max(last, 0)) {
      if (finished) return;
      finished = true;
      // The last update may already have said it: one final report, not two.
      if (loaded !== last) emit(loaded);
    },
  };
}
