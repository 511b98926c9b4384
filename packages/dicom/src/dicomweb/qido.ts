import { DicomwebError } from './dicomweb-error.js';
import type { DicomwebCallOptions } from './dicomweb-http.js';

/** QIDO-RS search parameters (PS3.18 10.6): attribute filters, paging, fuzzy matching, extra fields. */
export interface SearchOptions extends DicomwebCallOptions {
  /**
   * Attribute matches by keyword or hex tag, e.g. `{ PatientID: '123', StudyDate: '20200101-20201231',
   * Modality: 'CT' }` (wildcards `*` and `?` as the PACS supports them).
   */
  readonly filters?: Readonly<Record<string, string>>;
  /** At most this many results. */
  readonly limit?: number;
  /** Skip this many results first (paging). */
  readonly offset?: number;
  /** Ask for fuzzy matching of person names. */
  readonly fuzzy?: boolean;
  /** Extra attributes to return (keywords or hex tags), or `'all'`. */
  readonly includeFields?: readonly string[] | 'all';
}

/** Options of the `searchAll*` iterators: a search without `limit`/`offset`, fetched page by page. */
export interface SearchAllOptions extends Omit<SearchOptions, 'limit' | 'offset'> {
  /** Results per request. Default 100. */
  readonly pageSize?: number;
}

const KEY = /^[A-Za-z][A-Za-z0-9]{0,63}$|^[0-9A-Fa-f]{8}(\.[0-9A-Fa-f]{8})*$/;

function count(value: number | undefined, name: string, operation: string, min: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new DicomwebError(
      'DICOMWEB_INVALID_ARGUMENT',
      `${operation}: ${name} must be an integer of at least ${min}, got ${String(value)}`,
      {
        details: { operation, argument: name, value },
      },
    );
  }
}

/**
 * The query string of a search.
 *
 * @throws {DicomwebError} `DICOMWEB_INVALID_ARGUMENT` for a bad limit, offset or attribute key.
 */
export function searchQuery(options: SearchOptions, operation: string): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.filters ?? {})) {
    // Keys are checked (they are parameter names); values are the caller's and are never shown in errors.
    if (!KEY.test(key)) {
      throw new DicomwebError(
        'DICOMWEB_INVALID_ARGUMENT',
        `${operation}: filter key ${JSON.stringify(key.slice(0, 70))} is not a DICOM keyword or tag`,
        {
          details: { operation, argument: 'filters' },
        },
      );
    }
    query.append(key, value);
  }
  count(options.limit, 'limit', operation, 1);
  count(options.offset, 'offset', operation, 0);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.offset !== undefined && options.offset > 0) query.set('offset', String(options.offset));
  if (options.fuzzy) query.set('fuzzymatching', 'true');
  const fields = options.includeFields;
  if (fields === 'all') query.set('includefield', 'all');
  else if (fields && fields.length > 0) {
    for (const field of fields) {
      if (!KEY.test(field)) {
        throw new DicomwebError('DICOMWEB_INVALID_ARGUMENT', `${operation}: includeFields entry is not a DICOM keyword or tag`, {
          details: { operation, argument: 'includeFields' },
        });
      }
    }
    query.set('includefield', fields.join(','));
  }
  return query;
}

/** Fetches pages until one comes back shorter than `pageSize`, yielding each result once. */
export async function* paginate<T>(
  pageSize: number | undefined,
  operation: string,
  page: (limit: number, offset: number) => Promise<readonly T[]>,
): AsyncGenerator<T, void, undefined> {
  const size = pageSize ?? 100;
  count(size, 'pageSize', operation, 1);
  for (let offset = 0; ; offset += size) {
    const results = await page(size, offset);
    yield* results;
    if (results.length < size) return;
  }
}
