import { geometryFromAffine, scaledData, type NiftiVolume } from '@medaas/nifti-io';

/** A one-screen description of a volume: what a user checks first after loading a file. */
export function summarise(name: string, volume: NiftiVolume, fileBytes: number): string {
  const { spacingMm, originMm, direction } = geometryFromAffine(volume.affine);
  const lines = [
    `${name}`,
    `  format     NIfTI-${volume.header.version}, ${volume.header.littleEndian ? 'little' : 'big'}-endian, ${fileBytes.toLocaleString('en')} bytes on disk`,
    `  grid       ${volume.dims.join(' x ')} ${volume.datatype} (${(volume.data.byteLength / 2 ** 20).toFixed(1)} MiB of voxels)`,
    `  spacing    ${spacingMm.map((s) => s.toFixed(3)).join(' x ')} mm`,
    `  origin     (${originMm.map((o) => o.toFixed(2)).join(', ')}) mm, RAS+`,
    `  axes       ${axisCodes(direction)} (from the ${sourceOf(volume)})`,
  ];
  if (volume.datatype !== 'rgb24' && volume.datatype !== 'rgba32' && !volume.datatype.startsWith('complex')) {
    const values = scaledData(volume, { precision: 'float32' });
    let min = Infinity;
    let max = -Infinity;
    let nonZero = 0;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
      if (v !== 0) nonZero += 1;
    }
    lines.push(`  values     ${min} .. ${max}${volume.scaling ? ` (scaled: x${volume.scaling.slope} + ${volume.scaling.inter})` : ''}, ${((100 * nonZero) / values.length).toFixed(1)} % non-zero`);
  }
  return lines.join('\n');
}

function sourceOf(volume: NiftiVolume): string {
  const { sformCode, qformCode } = volume.header;
  return sformCode > 0 ? `sform, code ${sformCode}` : qformCode > 0 ? `qform, code ${qformCode}` : 'pixdim only';
}

/** The anatomical direction each voxel axis points to most, e.g. "RAS" or "LPI". */
function axisCodes(direction: readonly (readonly number[])[]): string {
  const letters = [
    ['R', 'L'],
    ['A', 'P'],
    ['S', 'I'],
  ] as const;
  let out = '';
  for (let c = 0; c < 3; c += 1) {
    const column = [0, 1, 2].map((r) => direction[r]![c]!);
    const axis = column.reduce((best, v, i) => (Math.abs(v) > Math.abs(column[best]!) ? i : best), 0);
    out += letters[axis]![column[axis]! >= 0 ? 0 : 1];
  }
  return out;
}
