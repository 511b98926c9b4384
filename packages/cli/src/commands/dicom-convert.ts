import { convertDicomFolder } from '@medaas/dicom/node';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { existingInput, flagOption, listOption, numberOption, requiredString, resolvePath, stringOption } from '../values.js';

/** `medaas dicom convert FOLDER --out FOLDER`: every series (or the chosen ones) to de-identified NIfTI. */
export const dicomConvert = defineCommand({
  name: ['dicom', 'convert'],
  summary: 'convert the DICOM series of a folder to de-identified NIfTI, optionally at isotropic voxels',
  usage: '<folder> --out <folder>',
  description: [
    'Finds every DICOM series under the folder (sub-folders too; DICOM is recognised by content), and writes each as',
    'series_<number>_<modality>.nii.gz: named from nothing a patient could be identified by, the NIfTI header',
    'de-identified. Files are written under temporary names and renamed when complete. With --skip-bad, files that',
    'cannot be converted (corrupt, truncated, unsupported, too large) are left out, each named on stderr with its',
    'reason, and the rest is converted; without it the first such file stops the run.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    out: {
      type: 'string',
      short: 'o',
      placeholder: 'FOLDER',
      env: false,
      description: 'where to write the NIfTI files (created if needed; required)',
    },
    series: {
      type: 'string',
      multiple: true,
      placeholder: 'UID|NUMBER',
      description: 'convert only this series, by Series Instance UID or Series Number',
    },
    modality: { type: 'string', placeholder: 'CODE', description: 'convert only series of this modality (CT, MR, ...)' },
    spacing: { type: 'string', placeholder: 'MM', description: 'resample every series to this isotropic voxel size in mm (e.g. 1)' },
    labels: { type: 'boolean', description: 'the series are label maps: resample with nearest neighbour' },
    'skip-bad': { type: 'boolean', description: 'leave out files that cannot be converted, naming each, and convert the rest' },
    uncompressed: { type: 'boolean', description: 'write .nii instead of .nii.gz' },
    suffix: { type: 'string', placeholder: 'EXT', description: 'only files whose names end with this (e.g. .dcm)' },
  },
  examples: [
    'medaas dicom convert /import/case_17 --out /outbox/case_17 --spacing 1',
    'medaas dicom convert ./study --out ./nifti --series 3 --skip-bad --json',
  ],
  async run(context) {
    const out = resolvePath(context, requiredString(context, 'out'));
    const spacing = numberOption(context, 'spacing', { positive: true });
    const wanted = listOption(context, 'series');
    const modality = stringOption(context, 'modality')?.toUpperCase();
    const suffix = stringOption(context, 'suffix');
    if (wanted.some((w) => w.trim() === '')) throw new CliError('CLI_USAGE', '--series needs a Series Instance UID or a Series Number');
    const input = await existingInput(context, context.args[0]!, 'folder');
    const skipped: { file: string; code: string; reason: string }[] = [];
    const converted = await convertDicomFolder(input, out, {
      ...(spacing !== undefined ? { resampleMm: spacing } : {}),
      labels: flagOption(context, 'labels'),
      extension: flagOption(context, 'uncompressed') ? '.nii' : '.nii.gz',
      ...(suffix ? { suffix } : {}),
      select: (series) =>
        (wanted.length === 0 || wanted.some((w) => w === series.seriesInstanceUid || w === String(series.seriesNumber))) &&
        (modality === undefined || series.modality.toUpperCase() === modality),
      ...(flagOption(context, 'skip-bad')
        ? {
            onBadFile: (bad) => {
              skipped.push({ file: bad.name, code: bad.error.code, reason: bad.error.message });
              if (!context.json) context.note(`skipped ${bad.name}: ${bad.error.code}: ${bad.error.message}`);
            },
          }
        : {}),
      signal: context.signal,
      onProgress: context.progress(`convert ${context.args[0]}`),
    });
    const series = converted.map((s) => ({
      output: s.output,
      seriesInstanceUid: s.seriesInstanceUid,
      seriesNumber: s.seriesNumber,
      modality: s.modality,
      dims: s.dims,
      warnings: s.warnings,
    }));
    return {
      data: { series, skipped },
      lines: [
        ...series.map(
          (s) =>
            `wrote ${s.output}: series ${s.seriesNumber ?? '?'} ${s.modality}, ${s.dims.join(' x ')}${s.warnings.length ? ` (${s.warnings.length} warning${s.warnings.length === 1 ? '' : 's'}: ${s.warnings.map((w) => w.message).join('; ')})` : ''}`,
        ),
        ...(skipped.length
          ? [`skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} that could not be converted (named above)`]
          : []),
      ],
    };
  },
});
