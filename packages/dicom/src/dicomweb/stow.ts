import { dicomJsonString, dicomJsonValue, dicomJsonValues } from './dicom-json.js';
import type { DicomJsonDataset } from './dicom-json.js';

/**
 * STOW-RS: the multipart/related request body of a batch of instances, and the typed reading of the
 * answer's Referenced SOP Sequence (stored) and Failed SOP Sequence (refused).
 */

/** One instance the PACS stored. */
export interface StoredInstance {
  readonly sopClassUid: string | undefined;
  readonly sopInstanceUid: string;
  /** Where WADO-RS retrieves it, as the PACS says. */
  readonly retrieveUrl: string | undefined;
}

/** One instance the PACS refused. */
export interface FailedInstance {
  readonly sopClassUid: string | undefined;
  readonly sopInstanceUid: string | undefined;
  /** The Failure Reason (0008,1197), e.g. 0xA700 (out of resources), 0xC000 (cannot understand). */
  readonly failureReason: number | undefined;
}

/** What a STOW-RS store did: an expected outcome, so refused instances are values, not exceptions. */
export interface StoreResult {
  readonly stored: readonly StoredInstance[];
  readonly failed: readonly FailedInstance[];
  /** Instances sent. The PACS may say nothing about an instance it could not parse at all. */
  readonly sent: number;
  /** Whether every instance sent is in `stored` (and none failed). */
  readonly complete: boolean;
  /** The HTTP status of each request (one per batch): 200 all stored, 202 some not, 409 or 400 none or some. */
  readonly statuses: readonly number[];
}

/** Whether a JSON answer is a STOW-RS response dataset. */
export function isStowResponse(value: unknown): value is DicomJsonDataset {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const dataset = value as Record<string, unknown>;
  return '00081199' in dataset || '00081198' in dataset;
}

function items(dataset: DicomJsonDataset, keyword: 'ReferencedSOPSequence' | 'FailedSOPSequence'): DicomJsonDataset[] {
  return dicomJsonValues(dataset, keyword).filter((item): item is DicomJsonDataset => typeof item === 'object' && item !== null);
}

/** The stored and failed instances of one STOW-RS response dataset. */
export function readStowResponse(dataset: DicomJsonDataset): { stored: StoredInstance[]; failed: FailedInstance[] } {
  const stored: StoredInstance[] = [];
  for (const item of items(dataset, 'ReferencedSOPSequence')) {
    const sopInstanceUid = dicomJsonString(item, 'ReferencedSOPInstanceUID');
    if (sopInstanceUid === undefined) continue;
    stored.push({
      sopClassUid: dicomJsonString(item, 'ReferencedSOPClassUID'),
      sopInstanceUid,
      retrieveUrl: dicomJsonString(item, 'RetrieveURL'),
    });
  }
  const failed: FailedInstance[] = [];
  for (const item of items(dataset, 'FailedSOPSequence')) {
    const reason = dicomJsonValue(item, 'FailureReason');
    failed.push({
      sopClassUid: dicomJsonString(item, 'ReferencedSOPClassUID'),
      sopInstanceUid: dicomJsonString(item, 'ReferencedSOPInstanceUID'),
      failureReason: typeof reason === 'number' ? reason : undefined,
    });
  }
  return { stored, failed };
}

/** A random boundary that cannot occur in the parts by chance (128 random bits). */
export function randomBoundary(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `medaas-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const encoder = new TextEncoder();

/**
 * The multipart/related body of one batch, as a Blob of known length: fetch sends it with a Content-Length,
 * which every PACS accepts (chunked uploads are not), and never with `Expect: 100-continue`.
 */
export function stowBody(instances: readonly Uint8Array[], boundary: string): Blob {
  const head = encoder.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
  const between = encoder.encode(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
  const end = encoder.encode(`\r\n--${boundary}--\r\n`);
  const parts: BlobPart[] = [];
  instances.forEach((instance, index) => {
    parts.push(index === 0 ? head : between, instance as Uint8Array<ArrayBuffer>);
  });
  parts.push(end);
  return new Blob(parts);
}
