/**
 * Node helpers of `@medaas/dataset`: scan a dataset folder into pairs, read and atomically write data lists.
 *
 * @packageDocumentation
 */
export { scanDataset } from './scan.js';
export type { ScanDatasetOptions } from './scan.js';
export { writeDatalist, readDatalist } from './datalist-file.js';
export type { WriteDatalistOptions } from './datalist-file.js';
