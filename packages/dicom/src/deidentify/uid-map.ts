import { DicomError } from '../dicom-error.js';

/** The JSON form of a {@link UidMap}: pairs of original and de-identified UIDs. */
export interface UidMapJson {
  readonly format: 'medaas-dicom-uid-map';
  readonly version: 1;
  /** `[original, deidentified]` pairs. */
  readonly entries: readonly (readonly [string, string])[];
}

/**
 * The two-way map between original and de-identified DICOM UIDs. The same original always maps to the
 * same `2.25.<decimal of a random 128-bit UUID>` UID, so one map passed to several calls keeps a study
 * consistent. The map re-identifies a study: keep it at the hospital and never send it with the data.
 *
 * @example
 * ```ts
 * const map = new UidMap();
 * const { instances } = await deidentifyDicom(files, { uidMap: map });
 * localStorage.setItem('case-17', JSON.stringify(map.toJSON())); // stays on the hospital side
 * const original = UidMap.fromJSON(JSON.parse(saved)).toOriginal(resultStudyUid);
 * ```
 */
export class UidMap {
  readonly #forward = new Map<string, string>();
  readonly #backward = new Map<string, string>();

  /** How many UIDs the map holds. */
  get size(): number {
    return this.#forward.size;
  }

  /** The de-identified UID for an original, created on first use. */
  map(original: string): string {
    const known = this.#forward.get(original);
    if (known !== undefined) return known;
    let created = newUid();
    while (this.#backward.has(created)) created = newUid();
    this.#forward.set(original, created);
    this.#backward.set(created, original);
    return created;
  }

  /** The de-identified UID of an original, if mapped. */
  toDeidentified(original: string): string | undefined {
    return this.#forward.get(original);
  }

  /** The original UID behind a de-identified one, if mapped (to send results back under the original study). */
  toOriginal(deidentified: string): string | undefined {
    return this.#backward.get(deidentified);
  }

  /** The map as JSON-serialisable data. */
  toJSON(): UidMapJson {
    return { format: 'medaas-dicom-uid-map', version: 1, entries: [...this.#forward] };
  }

  /**
   * Rebuilds a map from {@link UidMap.toJSON}'s output.
   *
   * @throws {DicomError} `DICOM_INVALID_ARGUMENT` when the data is not such a map (the message never quotes UIDs).
   */
  static fromJSON(json: unknown): UidMap {
    const bad = (why: string): never => {
      throw new DicomError('DICOM_INVALID_ARGUMENT', `not a UID map: ${why}`, { details: { option: 'uidMap' } });
    };
    if (typeof json !== 'object' || json === null) return bad('not an object');
    const data = json as Partial<UidMapJson>;
    if (data.format !== 'medaas-dicom-uid-map' || data.version !== 1) return bad('unknown format or version');
    if (!Array.isArray(data.entries)) return bad('no entries');
    const map = new UidMap();
    for (const [index, pair] of data.entries.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((u) => typeof u === 'string' && UID_TEXT.test(u)))
        return bad(`entry ${index} is not a pair of UIDs`);
      const [original, deidentified] = pair as [string, string];
      if (map.#forward.has(original) || map.#backward.has(deidentified)) return bad(`entry ${index} repeats a UID`);
      map.#forward.set(original, deidentified);
      map.#backward.set(deidentified, original);
    }
    return map;
  }
}

// Originals are taken as found (some files carry invalid UIDs); only their length is bounded.
const UID_TEXT = /^[\x20-\x7e]{1,64}$/;

/** `2.25.` and the UUID's 128 bits as a decimal integer (PS3.5 B.2). */
function newUid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // UUID version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return `2.25.${value.toString(10)}`;
}
