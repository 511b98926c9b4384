import { basename } from 'node:path';
import { geometryFromAffine, resample, type Volume } from '@medaas/nifti-io';
import { readNiftiFile, writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { existingInput, flagOption, numberOption, requiredString, resolvePath } from '../values.js';

/** `medaas nifti convert IN --out OUT`: recompress, resample, or store as a compact label mask. */
export const niftiConvert = defineCommand({
  name: ['nifti', 'convert'],
  summary: 'rewrite a NIfTI file: .nii <-> .nii.gz, resampled to isotropic voxels, or as a compact label mask',
  usage: '<in.nii[.gz]> --out <out.nii[.gz]>',
  description:
    'The output is gzip-compressed when its name ends in .gz. It is written under a temporary name and renamed when\ncomplete: an interrupted or failed run leaves no file under the final name.',
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', short: 'o', placeholder: 'FILE', env: false, description: 'the file to write (required)' },
    spacing: { type: 'string', placeholder: 'MM', description: 'resample to this isotropic voxel size in mm (itk-wasm)' },
    labels: { type: 'boolean', description: 'the volume is a label map: resample with nearest neighbour, write as a uint8/uint16 mask' },
    'nifti-version': { type: 'string', placeholder: '1|2', description: 'write NIfTI-1 (default) or NIfTI-2' },
  },
  examples: [
    'medaas nifti convert ct.nii --out ct.nii.gz',
    'medaas nifti convert ct.nii.gz --out ct_1mm.nii.gz --spacing 1',
    'medaas nifti convert seg.nii.gz --out seg_1mm.nii.gz --spacing 1 --labels',
  ],
  async run(context) {
    const output = resolvePath(context, requiredString(context, 'out'));
    const spacing = numberOption(context, 'spacing', { positive: true });
    const version = numberOption(context, 'nifti-version', { integer: true, min: 1, max: 2 }) as 1 | 2 | undefined;
    const labels = flagOption(context, 'labels');
    const input = await existingInput(context, context.args[0]!, 'file');
    if (output === input) throw new CliError('CLI_USAGE', '--out names the input file: write to another file');
    let volume: Volume = await readNiftiFile(input, { signal: context.signal, onProgress: context.progress(`read ${basename(input)}`) });
    if (spacing !== undefined) {
      volume = await resample(
        volume,
        { spacingMm: spacing },
        { interpolation: labels ? 'nearest' : 'linear', signal: context.signal, onProgress: context.progress(`resample to ${spacing} mm`) },
      );
    }
    const write = labels ? writeMaskFile : writeNiftiFile;
    await write(output, volume, {
      gzip: output.endsWith('.gz'),
      signal: context.signal,
      onProgress: context.progress(`write ${basename(output)}`),
      ...(version ? { version } : {}),
    });
    const { spacingMm } = geometryFromAffine(volume.affine);
    const data = { input, output, dims: volume.dims, datatype: labels ? 'label mask' : volume.datatype, spacingMm };
    return {
      data,
      lines: [`wrote ${output}: ${volume.dims.join(' x ')} voxels of ${spacingMm.map((s) => Math.round(s * 1e4) / 1e4).join(' x ')} mm`],
    };
  },
});
