import type { NiftiHeader } from './header.js';
import type { HeaderMeaning } from './header-interpret.js';
import type { NiftiVolume, Scaling } from './volume.js';

/** Turns a validated header and its voxel bytes (machine order, own buffer) into a volume. */
export function volumeFromHeader(header: NiftiHeader, meaning: HeaderMeaning, bytes: Uint8Array): NiftiVolume {
  const { datatype, dims } = meaning;
  const data = datatype.view(bytes.buffer, bytes.byteOffset, meaning.voxels * datatype.components);
  const scaling = scalingOf(header, datatype.name);
  const xformCode = header.sformCode > 0 ? header.sformCode : header.qformCode > 0 ? header.qformCode : undefined;
  const hasIntent = header.intentCode !== 0 || header.intentName !== '';
  const hasCalibration = header.calMin !== 0 || header.calMax !== 0;
  return {
    dims,
    datatype: datatype.name,
    data,
    affine: meaning.affine,
    pixdim: dims.map((_, i) => header.pixdim[i + 1] ?? 0),
    ...(dims.length > 3 && (header.xyztUnits & 0x38) !== 0 ? { timeUnits: header.xyztUnits & 0x38 } : {}),
    ...(scaling ? { scaling } : {}),
    ...(hasCalibration ? { calibration: { min: header.calMin, max: header.calMax } } : {}),
    ...(hasIntent
      ? {
          intent: {
            code: header.intentCode,
            params: [header.intentP1, header.intentP2, header.intentP3] as const,
            ...(header.intentName ? { name: header.intentName } : {}),
          },
        }
      : {}),
    ...(xformCode !== undefined ? { xformCode } : {}),
    ...(header.descrip ? { description: header.descrip } : {}),
    ...(header.extensions.length > 0 ? { extensions: header.extensions } : {}),
    header,
  };
}

/**
 * The standard: `scl_slope == 0` means no scaling. NaN or infinite values are treated as absent (some
 * writers use NaN for "unset"), and colour types are never scaled.
 */
function scalingOf(header: NiftiHeader, datatype: string): Scaling | undefined {
  const { sclSlope: slope } = header;
  const inter = Number.isFinite(header.sclInter) ? header.sclInter : 0;
  if (datatype === 'rgb24' || datatype === 'rgba32') return undefined;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0)) return undefined;
  return { slope, inter };
}
