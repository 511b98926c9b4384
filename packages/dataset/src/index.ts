/**
 * Dataset tools for training on validated annotations: pair images with labels, split them seeded and
 * group-safe into training, validation and testing (70:20:10 by default), grow a split without moving a
 * case, k-fold, and read and write Clara data lists (`dataset_0.json`) and MSD `dataset.json`.
 * Platform-neutral; folder scanning and file writing are in `@medaas/dataset/node`.
 *
 * @packageDocumentation
 */
export { DatasetError } from './errors.js';
export type { DatasetErrorCode } from './errors.js';
export { pairImagesWithLabels, MSD_RULE } from './pairing.js';
export type { CasePair, PairingFinding, PairingFindingCode, PairingResult, NamingRule, PairImagesOptions } from './pairing.js';
export { splitDataset, splitAssignments, toFractions, DEFAULT_FRACTIONS, SPLIT_PARTS } from './split.js';
export type { DatasetSplit, SplitDatasetOptions, SplitFractions, SplitPart } from './split.js';
export { kFold } from './kfold.js';
export type { Fold, KFoldOptions } from './kfold.js';
export type { KeyOf } from './items.js';
export { toDatalist, parseDatalist, stringifyDatalist } from './datalist.js';
export type { Datalist, DatalistEntry, ToDatalistOptions, ParseDatalistOptions } from './datalist.js';
export { checkDatalist, checkDatalistEntry, looksLikeDatalist } from './datalist-check.js';
export type {
  CheckDatalistOptions,
  DatalistCheck,
  DatalistEntryCheck,
  DatalistFile,
  DatalistProblem,
  DatalistProblemCode,
} from './datalist-check.js';
export { parseMsdDataset, toMsdDataset } from './msd.js';
export type { MsdDataset, MsdTaskInfo } from './msd.js';
export { resolveDataPath, normalizePath, isAbsolutePath } from './paths.js';
export type { PathStyle } from './paths.js';
export { seededUnit } from './hash.js';
