// The DICOM converter moved to `@medaas/dicom` so that reading NIfTI no longer brings a DICOM parser into
// bundles (see docs/adr/0004-dicom-package.md). These forwarders keep the old imports working for one release;
// `@medaas/dicom` is an optional peer dependency, loaded only when one of them is called.
import { isMedaasError } from '@medaas/core';
import type * as DicomPackage from '@medaas/dicom';
import type { ConvertDicomOptions, DicomError as MovedDicomError, DicomInput, DicomSeriesSummary, DicomVolume } from '@medaas/dicom';

export type { ConvertDicomOptions, DicomInput, DicomSeriesSummary, DicomVolume, DicomWarning, DicomErrorCode } from '@medaas/dicom';

type DicomModule = typeof DicomPackage;
let loaded: Promise<DicomModule> | undefined;
let warned = false;

/** Loads `@medaas/dicom` once, and says once where the DICOM functions went. */
export function loadDicomPackage(name: string): Promise<DicomModule> {
  if (!warned) {
    warned = true;
    const message = `@medaas/nifti-io: ${name} moved to @medaas/dicom; import it from there`;
    const node = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }).process;
    if (node?.emitWarning) node.emitWarning(message, { type: 'DeprecationWarning', code: 'MEDAAS_DICOM_MOVED' });
    else console.warn(message);
  }
  // A variable specifier keeps bundlers of NIfTI-only apps from following it into the DICOM parser.
  const specifier = '@medaas/dicom';
  loaded ??= import(/* @vite-ignore */ specifier) as Promise<DicomModule>;
  return loaded;
}

/**
 * Lists the series found among DICOM files.
 *
 * @deprecated Moved to `@medaas/dicom`: `import { listDicomSeries } from '@medaas/dicom'`. Kept here for one
 * release; it needs `@medaas/dicom` installed.
 * @throws DicomError (`DICOM_INVALID_FILE`, `DICOM_NO_IMAGES`, `DICOM_TOO_LARGE`)
 * @example
 * ```ts
 * import { listDicomSeries } from '@medaas/dicom';
 * ```
 */
export async function listDicomSeries(
  files: readonly DicomInput[],
  options?: Pick<ConvertDicomOptions, 'signal'>,
): Promise<DicomSeriesSummary[]> {
  return (await loadDicomPackage('listDicomSeries')).listDicomSeries(files, options);
}

/**
 * Converts one DICOM series into a volume.
 *
 * @deprecated Moved to `@medaas/dicom`: `import { convertDicomSeries } from '@medaas/dicom'`. Kept here for
 * one release; it needs `@medaas/dicom` installed.
 * @throws DicomError (every `DicomErrorCode`)
 * @example
 * ```ts
 * import { convertDicomSeries } from '@medaas/dicom';
 * ```
 */
export async function convertDicomSeries(files: readonly DicomInput[], options?: ConvertDicomOptions): Promise<DicomVolume> {
  return (await loadDicomPackage('convertDicomSeries')).convertDicomSeries(files, options);
}

/**
 * The error of the DICOM functions, for `instanceof` checks: true of every `DicomError` that
 * `@medaas/dicom` throws.
 *
 * @deprecated Moved to `@medaas/dicom`: `import { DicomError } from '@medaas/dicom'`.
 * @example
 * ```ts
 * if (error instanceof DicomError) console.error(error.code);
 * ```
 */
export const DicomError: { readonly [Symbol.hasInstance]: (value: unknown) => value is MovedDicomError } = {
  [Symbol.hasInstance]: (value: unknown): value is MovedDicomError => isMedaasError(value) && (value as Error).name === 'DicomError',
};
/** The error of the DICOM functions. @deprecated Moved to `@medaas/dicom`. */
export type DicomError = MovedDicomError;
