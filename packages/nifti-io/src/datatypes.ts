import { NiftiError } from './errors.js';

/** The voxel types the SDK reads and writes, named after their JavaScript typed arrays. */
export type NiftiDatatype =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128'
  | 'rgb24'
  | 'rgba32';

/**
 * The voxel values of a volume, x fastest, then y, z, t... Multi-component types (complex, RGB, RGBA)
 * interleave their components per voxel, exactly as NIfTI stores them. 64-bit integers are kept exact
 * as `BigInt64Array` / `BigUint64Array`.
 */
export type VoxelData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** What the SDK knows about one datatype. */
export interface DatatypeInfo {
  /** The SDK's name of the type. */
  readonly name: NiftiDatatype;
  /** The NIfTI `datatype` code. */
  readonly code: number;
  /** Bytes of one component. */
  readonly componentBytes: 1 | 2 | 4 | 8;
  /** Components per voxel: 2 for complex, 3 for RGB, 4 for RGBA, else 1. */
  readonly components: 1 | 2 | 3 | 4;
  /** NIfTI `bitpix`: bits per voxel. */
  readonly bitpix: number;
  /** Whether the values are integers (so a label mask can use the type). */
  readonly integer: boolean;
  /** Makes the typed array that holds `length` components over the given buffer. */
  readonly view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => VoxelData;
}

const table: readonly DatatypeInfo[] = [
  info('uint8', 2, 1, 1, true, (b, o, n) => new Uint8Array(b, o, n)),
  info('int16', 4, 2, 1, true, (b, o, n) => new Int16Array(b, o, n)),
  info('int32', 8, 4, 1, true, (b, o, n) => new Int32Array(b, o, n)),
  info('float32', 16, 4, 1, false, (b, o, n) => new Float32Array(b, o, n)),
  info('complex64', 32, 4, 2, false, (b, o, n) => new Float32Array(b, o, n)),
  info('float64', 64, 8, 1, false, (b, o, n) => new Float64Array(b, o, n)),
  info('rgb24', 128, 1, 3, true, (b, o, n) => new Uint8Array(b, o, n)),
  info('int8', 256, 1, 1, true, (b, o, n) => new Int8Array(b, o, n)),
  info('uint16', 512, 2, 1, true, (b, o, n) => new Uint16Array(b, o, n)),
  info('uint32', 768, 4, 1, true, (b, o, n) => new Uint32Array(b, o, n)),
  info('int64', 1024, 8, 1, true, (b, o, n) => new BigInt64Array(b, o, n)),
  info('uint64', 1280, 8, 1, true, (b, o, n) => new BigUint64Array(b, o, n)),
  info('complex128', 1792, 8, 2, false, (b, o, n) => new Float64Array(b, o, n)),
  info('rgba32', 2304, 1, 4, true, (b, o, n) => new Uint8Array(b, o, n)),
];

/** NIfTI datatype codes that are legal but that the SDK refuses, with their names for messages. */
const UNSUPPORTED: ReadonlyMap<number, string> = new Map([
  [1, 'binary (1 bit)'],
  [1536, 'float128'],
  [2048, 'complex256'],
]);

const byCode = new Map(table.map((entry) => [entry.code, entry]));
const byName = new Map(table.map((entry) => [entry.name, entry]));

/**
 * Looks up a datatype by its NIfTI code.
 *
 * @throws {NiftiError} `NIFTI_UNSUPPORTED_DATATYPE` for binary, float128 and complex256;
 *   `NIFTI_INVALID_HEADER` for a code the standard does not define.
 * @example
 * ```ts
 * datatypeByCode(4).name; // 'int16'
 * ```
 */
export function datatypeByCode(code: number): DatatypeInfo {
  const found = byCode.get(code);
  if (found) return found;
  const unsupported = UNSUPPORTED.get(code);
  if (unsupported !== undefined) {
    throw new NiftiError('NIFTI_UNSUPPORTED_DATATYPE', `NIfTI datatype ${code} (${unsupported}) is not supported`, {
      details: { field: 'datatype', value: code },
    });
  }
  throw new NiftiError('NIFTI_INVALID_HEADER', `datatype ${code} is not a NIfTI datatype code`, {
    details: { field: 'datatype', value: code },
  });
}

/**
 * Looks up a datatype by the SDK's name for it.
 *
 * @throws {NiftiError} `NIFTI_INVALID_VOLUME` for an unknown name.
 * @example
 * ```ts
 * datatypeByName('uint16').code; // 512
 * ```
 */
export function datatypeByName(name: NiftiDatatype): DatatypeInfo {
  const found = byName.get(name);
  if (!found) {
    throw new NiftiError('NIFTI_INVALID_VOLUME', `unknown datatype ${JSON.stringify(name)}`, { details: { datatype: name } });
  }
  return found;
}

/**
 * Whether `data` is the typed array that holds `datatype` (e.g. an `Int16Array` for `'int16'`).
 *
 * @example
 * ```ts
 * matchesDatatype(new Uint8Array(3), 'rgb24'); // true
 * ```
 */
export function matchesDatatype(data: VoxelData, datatype: NiftiDatatype): boolean {
  const expected = byName.get(datatype)?.view(new ArrayBuffer(8), 0, 0);
  return expected !== undefined && Object.getPrototypeOf(expected) === Object.getPrototypeOf(data);
}

function info(
  name: NiftiDatatype,
  code: number,
  componentBytes: 1 | 2 | 4 | 8,
  components: 1 | 2 | 3 | 4,
  integer: boolean,
  view: DatatypeInfo['view'],
): DatatypeInfo {
  return Object.freeze({ name, code, componentBytes, components, bitpix: componentBytes * components * 8, integer, view });
}
