import type { NiftiHeader } from './header.js';
import type { Volume } from './volume.js';

/** One place in a volume or header where free text or opaque data could carry patient information. */
export interface IdentifierFinding {
  /** The NIfTI field: `descrip`, `aux_file`, `intent_name`, `db_name`, `data_type` or `extension[i]` (with its code). */
  readonly field: string;
  /** Bytes of content found there. Never the content itself: a finding must be safe to log. */
  readonly length: number;
}

/**
 * Lists every header field and extension of `volume` that holds free text or opaque data, the places
 * where a scanner or a tool may have put a patient's name, ID, dates or institution. The findings name
 * the place and size only, never the content, so they can be logged.
 *
 * @example
 * ```ts
 * for (const finding of findIdentifyingFields(volume)) audit.warn('patient data may hide in', finding);
 * ```
 */
export function findIdentifyingFields(volume: Volume & { readonly header?: NiftiHeader }): IdentifierFinding[] {
  const findings: IdentifierFinding[] = [];
  const text = (field: string, value: string | undefined): void => {
    if (value) findings.push({ field, length: value.length });
  };
  const header = volume.header;
  text('descrip', volume.description ?? header?.descrip);
  text('intent_name', volume.intent?.name ?? header?.intentName);
  text('aux_file', header?.auxFile);
  text('db_name', header?.dbName);
  text('data_type', header?.dataType);
  (volume.extensions ?? header?.extensions ?? []).forEach((extension, i) =>
    findings.push({ field: `extension[${i}] (code ${extension.code})`, length: extension.data.length }),
  );
  return findings;
}

/**
 * Returns a copy of `volume` with nothing in it that could identify a patient: the description, the
 * intent name, every extension (DICOM, AFNI, JSON sidecars, comments) and the decoded source header
 * (which holds `aux_file`, `db_name`, `data_type`) are dropped. What remains is numbers: voxels,
 * geometry, datatype, scaling, the intent code, the display window. `writeNifti` of the result writes
 * empty text fields and no extensions.
 *
 * The voxel data is shared with the input, not copied: de-identification never changes an image.
 *
 * @example
 * ```ts
 * const safe = deidentify(await readNiftiFile('from-pacs.nii.gz'));
 * await writeNiftiFile('outbox/case_0001.nii.gz', safe);
 * ```
 */
export function deidentify(volume: Volume & { readonly header?: NiftiHeader }): Volume {
  const { description: _d, extensions: _e, intent, header: _h, ...rest } = volume;
  return {
    ...rest,
    ...(intent ? { intent: { code: intent.code, ...(intent.params ? { params: intent.params } : {}) } } : {}),
  };
}
