// The folder converter moved to `@medaas/dicom/node` (docs/adr/0004-dicom-package.md); this forwarder keeps
// the old import working for one release and loads `@medaas/dicom` only when called.
import type * as DicomNode from '@medaas/dicom/node';
import type { ConvertDicomFolderOptions, ConvertedSeries } from '@medaas/dicom/node';
import { loadDicomPackage } from '../dicom-moved.js';

export type { ConvertDicomFolderOptions, ConvertedSeries } from '@medaas/dicom/node';

/**
 * Converts every series of a DICOM folder into NIfTI files.
 *
 * @deprecated Moved to `@medaas/dicom/node`: `import { convertDicomFolder } from '@medaas/dicom/node'`. Kept
 * here for one release; it needs `@medaas/dicom` installed.
 * @throws DicomError (every `DicomErrorCode`)
 * @example
 * ```ts
 * import { convertDicomFolder } from '@medaas/dicom/node';
 * ```
 */
export async function convertDicomFolder(
  inputDir: string,
  outputDir: string,
  options?: ConvertDicomFolderOptions,
): Promise<ConvertedSeries[]> {
  await loadDicomPackage('convertDicomFolder');
  const specifier = '@medaas/dicom/node';
  const moved = (await import(/* @vite-ignore */ specifier)) as typeof DicomNode;
  return moved.convertDicomFolder(inputDir, outputDir, options);
}
