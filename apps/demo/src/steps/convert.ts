import { join } from 'node:path';
import type { ProgressCallback } from '@medaas/core';
import { convertDicomFolder, type ConvertedSeries } from '@medaas/dicom/node';
import type { DemoConfig } from '../config.js';
import { DemoError } from '../demo-error.js';

/** Step 1: the DICOM series, converted to NIfTI, resampled to isotropic voxels, de-identified. */
export async function convertStep(config: DemoConfig, onProgress: ProgressCallback): Promise<ConvertedSeries> {
  const written = await convertDicomFolder(config.dicomDir, join(config.outDir, 'converted'), {
    resampleMm: config.spacingMm,
    onProgress,
  });
  const [largest] = [...written].sort((a, b) => b.sliceCount - a.sliceCount);
  if (!largest) throw new DemoError('DEMO_STEP_FAILED', `no DICOM series in ${config.dicomDir}`);
  return largest;
}
