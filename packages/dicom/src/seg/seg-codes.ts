import { DicomError } from '../dicom-error.js';
import type { Code } from './seg-types.js';

/** The default Segmented Property Category: SNOMED CT 85756007 "Tissue". */
export const TISSUE: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };
/** The default Segmented Property Type: SNOMED CT 113343008 "Organ". */
export const ORGAN: Code = { value: '113343008', scheme: 'SCT', meaning: 'Organ' };

/** DCM 121322 "Source image for image processing operation": the purpose of each frame's source reference. */
export const SOURCE_IMAGE_PURPOSE: Code = { value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' };
/** DCM 113076 "Segmentation": the derivation of each frame. */
export const SEGMENTATION_DERIVATION: Code = { value: '113076', scheme: 'DCM', meaning: 'Segmentation' };

/** A code as a DICOM code sequence item. */
export function codeItem(code: Code): Record<string, string> {
  return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

/** A code read back from a code sequence item, or undefined when the item lacks a value or scheme. */
export function codeOf(item: Record<string, unknown> | undefined): Code | undefined {
  if (!item) return undefined;
  const value = String(item['CodeValue'] ?? item['LongCodeValue'] ?? item['URNCodeValue'] ?? '');
  const scheme = String(item['CodingSchemeDesignator'] ?? '');
  if (!value || !scheme) return undefined;
  return { value, scheme, meaning: String(item['CodeMeaning'] ?? '') };
}

/**
 * Checks a code before it goes into a SEG: Code Value (SH, 16 characters), Coding Scheme Designator
 * (SH) and Code Meaning (LO, 64 characters), none empty, none with a backslash.
 *
 * @throws {DicomError} `DICOM_INVALID_ARGUMENT` naming the segment and the field.
 */
export function checkCode(code: Code, where: string): void {
  const bad = (field: string, limit: number, value: unknown): boolean =>
    typeof value !== 'string' || value.trim() === '' || value.length > limit || value.includes('\\') || field === '';
  for (const [field, limit, value] of [
    ['value', 16, code.value],
    ['scheme', 16, code.scheme],
    ['meaning', 64, code.meaning],
  ] as const) {
    if (bad(field, limit, value)) {
      throw new DicomError('DICOM_INVALID_ARGUMENT', `${where}: the code's ${field} must be 1 to ${limit} characters without a backslash`, {
        details: { option: where, field },
      });
    }
  }
}
