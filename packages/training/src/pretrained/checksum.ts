import { TrainingError } from '../errors.js';
import type { PretrainedCatalog } from './catalog.js';

/** The digests a download can be checked with, as the catalogs publish them. */
export type ChecksumAlgorithm = 'sha256' | 'sha512' | 'sha1' | 'md5';

/** An expected digest of one downloaded file, checked on the cluster before the model gets its final name. */
export interface PretrainedChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Hexadecimal digest. */
  readonly value: string;
  /**
   * The file it covers, relative to the model folder (`models/model.pt`). Omitted for the zoo: the bundle's
   * zip as the catalog serves it (what `model_info.json`'s digest covers). Required for NGC.
   */
  readonly file?: string;
}

const DIGITS: Record<ChecksumAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/**
 * A checked copy of a checksum option, the digest in lower case.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for an unknown algorithm, a digest of the wrong length,
 *   a file outside the model folder, or an NGC checksum without `file`.
 */
export function checkChecksum(checksum: PretrainedChecksum, catalog: PretrainedCatalog): PretrainedChecksum {
  const fail = (message: string): TrainingError => new TrainingError('TRAINING_INVALID_OPTIONS', message, { details: { checksum } });
  if (typeof checksum !== 'object' || checksum === null) throw fail('a checksum must be { algorithm, value, file? }');
  const digits = DIGITS[checksum.algorithm];
  if (digits === undefined) throw fail(`checksum algorithm must be sha256, sha512, sha1 or md5, got ${JSON.stringify(checksum.algorithm)}`);
  if (typeof checksum.value !== 'string' || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(checksum.value)) {
    throw fail(`a ${checksum.algorithm} checksum is ${digits} hexadecimal digits, got ${JSON.stringify(checksum.value)}`);
  }
  const value = checksum.value.toLowerCase();
  if (checksum.file === undefined) {
    if (catalog === 'ngc') throw fail('NGC publishes no archive digest: an NGC checksum needs the `file` it covers, e.g. models/model.pt');
    return { algorithm: checksum.algorithm, value };
  }
  const file = checksum.file;
  if (
    typeof file !== 'string' ||
    file === '' ||
    file.startsWith('/') ||
    /[\0\n\r]/.test(file) ||
    file.split('/').some((s) => s === '..' || s === '.' || s === '')
  ) {
    throw fail(`checksum file must be a path inside the model folder, got ${JSON.stringify(file)}`);
  }
  return { algorithm: checksum.algorithm, value, file };
}

/**
 * The checksum the MONAI model zoo publishes for one bundle version, from its `model_info.json` (keys
 * `NAME_vVERSION`; newer entries give `hash_val` and `hash_type`, older ones a SHA-1 `checksum`), or
 * `undefined` when the file lists none for it.
 *
 * @example
 * ```ts
 * const info = JSON.parse(modelInfoJson);
 * await downloadPretrained(session, { catalog: 'monai-zoo', name, version, destDir, checksum: zooChecksum(info, name, version) });
 * ```
 */
export function zooChecksum(modelInfo: unknown, name: string, version: string): PretrainedChecksum | undefined {
  if (typeof modelInfo !== 'object' || modelInfo === null) return undefined;
  const entry = (modelInfo as Record<string, unknown>)[`${name}_v${version}`];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { hash_val: hashVal, hash_type: hashType, checksum } = entry as Record<string, unknown>;
  if (typeof hashVal === 'string' && hashVal !== '') {
    const algorithm = typeof hashType === 'string' && hashType !== '' ? hashType.toLowerCase() : 'md5';
    if (algorithm in DIGITS) return { algorithm: algorithm as ChecksumAlgorithm, value: hashVal.toLowerCase() };
    return undefined;
  }
  // The first releases of model_info.json carried a bare SHA-1 of the zip.
  if (typeof checksum === 'string' && /^[0-9a-fA-F]{40}$/.test(checksum)) return { algorithm: 'sha1', value: checksum.toLowerCase() };
  return undefined;
}
