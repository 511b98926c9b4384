import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { geometryFromAffine, isGzip, type Mat3, type NiftiVolume } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';
import { defineCommand } from '../command.js';
import { existingInput } from '../values.js';

/** `medaas nifti info FILE`: what a viewer needs to know before opening a volume. */
export const niftiInfo = defineCommand({
  name: ['nifti', 'info'],
  summary: 'show a NIfTI file: dimensions, datatype, voxel size, orientation, value range',
  usage: '<file.nii[.gz]>',
  description:
    "Reads the whole file (gzip recognised by content), within the SDK's decode limits. Orientation is given as\naxis codes of the voxel axes in RAS+ world space, as nibabel's aff2axcodes gives them.",
  positionals: { min: 1, max: 1 },
  options: {},
  examples: ['medaas nifti info ct.nii.gz', 'medaas nifti info ct.nii.gz --json | jq .spacingMm'],
  async run(context) {
    const path = await existingInput(context, context.args[0]!, 'file');
    const volume = await readNiftiFile(path, { signal: context.signal, onProgress: context.progress(`read ${basename(path)}`) });
    const info = describeVolume(volume, (await stat(path)).size, await fileIsGzip(path));
    return {
      data: { file: path, ...info },
      lines: [
        `file         ${path}`,
        `format       NIfTI-${info.version}${info.gzip ? ', gzip' : ''}, ${info.bytes.toLocaleString('en')} bytes`,
        `dims         ${info.dims.join(' x ')}`,
        `datatype     ${info.datatype}`,
        `spacing mm   ${info.spacingMm.map(round).join(' x ')}`,
        `origin mm    ${info.originMm.map(round).join(', ')}`,
        `orientation  ${info.orientation}`,
        `range        ${info.range ? `${info.range.min} .. ${info.range.max}` : 'no voxels'}${info.scaling ? ` (stored; scaled by ${info.scaling.slope}x + ${info.scaling.intercept})` : ''}`,
        ...(info.intent ? [`intent       ${info.intent}`] : []),
      ],
    };
  },
});

/** What `nifti info` reports about one volume. */
export interface VolumeInfo {
  readonly version: 1 | 2;
  readonly gzip: boolean;
  readonly bytes: number;
  readonly dims: readonly number[];
  readonly datatype: string;
  readonly spacingMm: readonly number[];
  readonly originMm: readonly number[];
  /** Axis codes such as `RAS` or `LPS`: where each voxel axis points in world space. */
  readonly orientation: string;
  readonly range: { readonly min: number; readonly max: number } | undefined;
  readonly scaling: { readonly slope: number; readonly intercept: number } | undefined;
  readonly intent: string | undefined;
}

function describeVolume(volume: NiftiVolume, bytes: number, gzip: boolean): VolumeInfo {
  const geometry = geometryFromAffine(volume.affine);
  return {
    version: volume.header.version,
    gzip,
    bytes,
    dims: volume.dims,
    datatype: volume.datatype,
    spacingMm: geometry.spacingMm,
    originMm: geometry.originMm,
    orientation: axisCodes(geometry.direction),
    range: valueRange(volume.data),
    scaling: volume.scaling ? { slope: volume.scaling.slope, intercept: volume.scaling.inter } : undefined,
    intent: volume.intent ? volume.intent.name || `code ${volume.intent.code}` : undefined,
  };
}

/** For each voxel axis, the world axis it runs along most, signed: R/L, A/P, S/I (RAS+ is `RAS`). */
export function axisCodes(direction: Mat3): string {
  const codes = [
    ['R', 'L'],
    ['A', 'P'],
    ['S', 'I'],
  ] as const;
  let text = '';
  for (let column = 0; column < 3; column += 1) {
    let best = 0;
    for (let row = 1; row < 3; row += 1) if (Math.abs(direction[row]![column]!) > Math.abs(direction[best]![column]!)) best = row;
    text += direction[best]![column]! >= 0 ? codes[best]![0] : codes[best]![1];
  }
  return text;
}

function valueRange(data: ArrayLike<number | bigint>): { min: number; max: number } | undefined {
  if (data.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += 1) {
    const value = Number(data[i]);
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

async function fileIsGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    await handle.read(head, 0, 2, 0);
    return isGzip(head);
  } finally {
    await handle.close();
  }
}

function round(value: number): string {
  return String(Math.round(value * 1e4) / 1e4);
}
