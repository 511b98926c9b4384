import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted, withCallScope, type CallOptions } from '@medaas/core';
import { DatasetError } from '../errors.js';
import { pairImagesWithLabels, type PairImagesOptions, type PairingResult } from '../pairing.js';

/** Options of {@link scanDataset}. */
export interface ScanDatasetOptions extends CallOptions, PairImagesOptions {
  /** The images folder, relative to the dataset root. Default `imagesTr` (MSD). */
  readonly images?: string;
  /** The labels folder, relative to the dataset root. Default `labelsTr`; may equal `images` with a naming rule. */
  readonly labels?: string;
}

async function list(root: string, folder: string, signal: AbortSignal): Promise<string[]> {
  throwIfAborted(signal);
  try {
    const entries = await readdir(join(root, folder), { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => `${folder.replace(/\/+$/, '')}/${e.name}`);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError('DATASET_IO', `cannot list ${join(root, folder)}: ${reason}`, { details: { dir: root, folder }, cause: error });
  }
}

/**
 * Lists a dataset folder (MSD layout by default: `imagesTr/` and `labelsTr/`) and pairs images with
 * labels. Paths in the result are relative to `dir`, ready for a data list whose DATA_ROOT is `dir`.
 *
 * @param dir - the dataset root (DATA_ROOT).
 * @throws {DatasetError} `DATASET_IO` when a folder cannot be listed; or the signal's reason when aborted.
 * @example
 * ```ts
 * import { scanDataset } from '@medaas/dataset/node';
 * const { pairs, findings } = await scanDataset('/data/Task09_Spleen');
 * ```
 */
export async function scanDataset(dir: string, options: ScanDatasetOptions = {}): Promise<PairingResult> {
  return withCallScope('scanDataset', options, async (signal) => {
    const images = await list(dir, options.images ?? 'imagesTr', signal);
    const sameFolder = (options.labels ?? 'labelsTr') === (options.images ?? 'imagesTr');
    const labels = sameFolder ? images : await list(dir, options.labels ?? 'labelsTr', signal);
    return pairImagesWithLabels(images, labels, options.rule === undefined ? {} : { rule: options.rule });
  });
}
