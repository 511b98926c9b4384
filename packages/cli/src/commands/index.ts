import type { CommandSpec } from '../command.js';
import { annotateDeepgrow, annotateDextr3d, annotateSegment } from './annotate.js';
import { datasetSplit } from './dataset-split.js';
import { dicomConvert } from './dicom-convert.js';
import { mmarEdit } from './mmar-edit.js';
import { mmarValidate } from './mmar-validate.js';
import { niftiConvert } from './nifti-convert.js';
import { niftiInfo } from './nifti-info.js';
import { serverStart } from './server-start.js';
import { train } from './train.js';
import { upload } from './upload.js';

/** Every command of `medaas`, in the order `--help` lists them: the workflow's order. */
export const COMMANDS: readonly CommandSpec[] = [
  dicomConvert,
  niftiInfo,
  niftiConvert,
  serverStart,
  annotateSegment,
  annotateDeepgrow,
  annotateDextr3d,
  upload,
  datasetSplit,
  mmarValidate,
  mmarEdit,
  train,
];
