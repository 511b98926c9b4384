import { DicomwebError } from './dicomweb-error.js';

/** A UID (PS3.5 9.1): digits in dot-separated components, at most 64 characters. */
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
/** Some archives hold UIDs with leading zeros in a component; they still contain only digits and dots. */
const LENIENT_UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * Whether `value` is a valid DICOM UID (digits and dots, no leading zeros in a component, at most 64
 * characters).
 *
 * @example
 * ```ts
 * isDicomUid('1.2.840.10008.1.2.1'); // true
 * isDicomUid('../admin');            // false
 * ```
 */
export function isDicomUid(value: string): boolean {
  return value.length > 0 && value.length <= 64 && UID.test(value);
}

/**
 * Checks a UID that goes into a URL path: digits and dots only, so it can never climb out of the path or
 * add a query. Leading zeros are tolerated (old archives have them), anything else is refused.
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for anything that is not a UID.
 */
export function checkUid(value: unknown, name: string, operation: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || !LENIENT_UID.test(value)) {
    const shown = typeof value === 'string' ? `${value.length} characters` : typeof value;
    throw new DicomwebError('DICOMWEB_INVALID_ARGUMENT', `${operation}: ${name} is not a DICOM UID (${shown})`, {
      details: { operation, argument: name },
    });
  }
  return value;
}
