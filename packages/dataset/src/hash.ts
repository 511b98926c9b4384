const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const encoder = new TextEncoder();

/**
 * The 64-bit FNV-1a hash of `seed`, a NUL separator and `key` (UTF-8), mapped to [0, 1). The NUL keeps
 * `("a", "bc")` and `("ab", "c")` apart. Being a pure function of seed and key, it places a case the same
 * way on every machine and in every run, whatever else is in the dataset.
 *
 * @example
 * ```ts
 * seededUnit(42, 'imagesTr/spleen_2.nii.gz'); // a number in [0, 1), always the same
 * ```
 */
export function seededUnit(seed: number | string, key: string): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(`${String(seed)}\u0000${key}`)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME);
  }
  // The top 53 bits fill a double's mantissa exactly, so the result is uniform and strictly below 1.
  return Number(hash >> 11n) / 2 ** 53;
}
