import type { MmarIssue } from '@medaas/mmar';
import { validateBundleFolder } from '@medaas/mmar/bundle/node';
import { validateMmarFolder } from '@medaas/mmar/node';
import { defineCommand } from '../command.js';
import { EXIT_CODES } from '../exit-codes.js';
import { existingInput, flagOption, resolvePath, stringOption } from '../values.js';
import { archiveKind } from './archive-kind.js';

/** `medaas mmar validate DIR`: what Clara or MONAI would fail on, with file, line and column. */
export const mmarValidate = defineCommand({
  name: ['mmar', 'validate'],
  summary: 'check a Clara MMAR or a MONAI bundle before a training job: findings with file, line and column',
  usage: '<folder>',
  description: [
    'A Clara MMAR (config/) or a MONAI bundle (configs/metadata.json) is recognised by its layout. Every data list',
    'entry is checked on disk (relative to --data-root, else DATA_ROOT) unless --no-data-files. Exits 3 when there',
    'are errors (warnings alone exit 0), so a script can stop before submitting a job that would fail.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    'data-root': { type: 'string', placeholder: 'DIR', description: 'where the data is on this machine, instead of DATA_ROOT' },
    'no-data-files': { type: 'boolean', description: "do not check that the data list's images and labels exist" },
  },
  examples: ['medaas mmar validate /mmars/spleen --data-root /data/Task09_Spleen', 'medaas mmar validate ./spleen_ct_segmentation --json'],
  async run(context) {
    const dir = await existingInput(context, context.args[0]!, 'folder');
    const kind = archiveKind(dir);
    const dataRoot = stringOption(context, 'data-root');
    const checkFiles = !flagOption(context, 'no-data-files');
    const issues: MmarIssue[] =
      kind === 'bundle'
        ? await validateBundleFolder(dir, { signal: context.signal, checkDataPaths: checkFiles })
        : await validateMmarFolder(dir, {
            signal: context.signal,
            checkDataFiles: checkFiles,
            ...(dataRoot ? { dataRoot: resolvePath(context, dataRoot) } : {}),
          });
    const errors = issues.filter((i) => i.severity === 'error').length;
    const where = (i: MmarIssue): string => `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''}`;
    return {
      data: { folder: dir, kind, errors, warnings: issues.length - errors, issues },
      lines: [
        ...issues.map((i) => `${where(i)}: ${i.severity} ${i.code}: ${i.message}${i.pointer ? ` (at ${i.pointer})` : ''}`),
        `${kind === 'bundle' ? 'bundle' : 'MMAR'} ${dir}: ${errors} error${errors === 1 ? '' : 's'}, ${issues.length - errors} warning${issues.length - errors === 1 ? '' : 's'}`,
      ],
      exitCode: errors > 0 ? EXIT_CODES.findings : EXIT_CODES.ok,
    };
  },
});
